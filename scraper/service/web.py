"""The ops page and HTTP API, served by the daemon: FastAPI on uvicorn, in a thread of `scraper run`.

Access: with SCRAPER_API_TOKEN set, every endpoint but /api/health needs
`Authorization: Bearer <token>` or the session cookie the login form sets
(both compared in constant time). Without a token the server refuses to
listen anywhere but loopback, and answers loopback clients only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import uvicorn
from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from scraper import __version__
from scraper.errors import ConfigError, CrawlLocked, NotFound, RefusedURL, ScraperError
from scraper.service.ops import Ops
from scraper.settings import Settings

log = logging.getLogger(__name__)
COOKIE = "scraper_session"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ERROR_STATUS = ((NotFound, 404), (CrawlLocked, 409), (RefusedURL, 403), (ConfigError, 400), (ScraperError, 503))


def is_loopback(host: str | None) -> bool:
    """Return True for a loopback address (or the name localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def web_href(url: str | None) -> str:
    """Return `url` if it is an http(s) address, else '#': a stored link must not run script when clicked."""
    return url if url and urlsplit(url).scheme.lower() in ("http", "https") else "#"


TEMPLATES.env.filters["href"] = web_href


def session_value(token: str) -> str:
    """Return the session cookie value for `token`: changing the token logs every session out."""
    return hmac.new(token.encode(), b"news-scraper ops session", hashlib.sha256).hexdigest()


class CrawlURL(BaseModel):
    """Body of POST /api/crawl."""

    url: str


class Access:
    """Decides whether a request may see the ops page and API."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def allowed(self, request: Request) -> bool:
        """Return True when the request carries the token (header or cookie), or no token is set and it is local."""
        if not self.token:
            return is_loopback(request.client.host if request.client else None)
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return True
        cookie = request.cookies.get(COOKIE, "")
        return hmac.compare_digest(cookie.encode(), session_value(self.token).encode())

    def api(self, request: Request) -> None:
        """FastAPI dependency: 401 without a valid token, 403 for a remote client when no token is set."""
        if self.allowed(request):
            return
        if not self.token:
            raise HTTPException(403, "the ops API answers loopback clients only while SCRAPER_API_TOKEN is unset")
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


def _same_origin(request: Request) -> bool:
    """Return False for a form post another site made the browser send (CSRF)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def create_app(settings: Settings, ops: Ops) -> FastAPI:
    """Return the ops application: JSON API under /api, /metrics, and the HTML pages."""
    app = FastAPI(title="news-scraper ops API", version=__version__,
                  description="Crawl runs, sources and articles of a news-scraper daemon; start crawls.")
    access = Access(settings.api_token)
    api = [Depends(access.api)]

    @app.exception_handler(ScraperError)
    def scraper_error(request: Request, exc: ScraperError) -> JSONResponse:
        status = next(code for cls, code in ERROR_STATUS if isinstance(exc, cls))
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.get("/api/health", summary="Liveness: database reachable and scheduler running (no auth)")
    def health() -> JSONResponse:
        state = ops.health()
        return JSONResponse(state, status_code=200 if state["status"] == "ok" else 503)

    @app.get("/api/sources", dependencies=api, summary="Sources with schedule, next run, last run, health")
    def sources() -> list[dict[str, Any]]:
        return ops.sources()

    @app.get("/api/sources/{name}", dependencies=api, summary="One source")
    def source(name: str) -> dict[str, Any]:
        return ops.source(name)

    @app.post("/api/sources/{name}/crawl", status_code=202, dependencies=api,
              summary="Start a crawl of the source now; 409 if one is running")
    def crawl_source(name: str) -> dict[str, Any]:
        run_id = ops.start_crawl(name)
        return {"run_id": run_id, "source": name, "run": f"/api/runs/{run_id}"}

    @app.post("/api/crawl", status_code=202, dependencies=api,
              summary="Fetch and store one article URL; refused outside the sources' domains or to private addresses")
    def crawl_url(body: CrawlURL) -> dict[str, Any]:
        run_id = ops.crawl_url(body.url)
        return {"run_id": run_id, "url": body.url, "run": f"/api/runs/{run_id}"}

    @app.get("/api/runs", dependencies=api, summary="Recent runs, newest first; status=running for the live ones")
    def list_runs(source: str | None = None, status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        return ops.runs(limit=max(1, min(limit, 500)), source=source, status=status)

    @app.get("/api/runs/{run_id}", dependencies=api, summary="One run with its recorded errors")
    def run(run_id: int) -> dict[str, Any]:
        return ops.run(run_id)

    @app.get("/api/articles", dependencies=api, summary="Latest stored articles with their sidebar headlines")
    def articles(source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        return ops.articles(limit=max(1, min(limit, 200)), source=source)

    @app.get("/metrics", dependencies=api, summary="Prometheus metrics per source")
    def metrics() -> Response:
        return Response(ops.metrics(), media_type="text/plain; version=0.0.4; charset=utf-8")

    _add_pages(app, ops, access)
    return app


def _add_pages(app: FastAPI, ops: Ops, access: Access) -> None:
    """The server-rendered ops page, the run page, login and the Crawl-now form."""

    def page(request: Request, name: str, **context: Any) -> Response:
        return TEMPLATES.TemplateResponse(request, name, {"token_set": bool(access.token), **context})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, started: int | None = None, error: str | None = None) -> Response:
        if not access.allowed(request):
            return _to_login(access)
        return page(request, "ops.html", sources=ops.sources(), runs=ops.runs(limit=20),
                    articles=ops.articles(limit=15), health=ops.health(), started=started, error=error)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def run_page(request: Request, run_id: int) -> Response:
        if not access.allowed(request):
            return _to_login(access)
        return page(request, "run.html", run=ops.run(run_id))

    @app.post("/sources/{name}/crawl", include_in_schema=False)
    def crawl_now(request: Request, name: str) -> Response:
        if not access.allowed(request) or not _same_origin(request):
            raise HTTPException(403, "not allowed")
        try:
            return RedirectResponse(f"/?started={ops.start_crawl(name, trigger='api')}", status_code=303)
        except ScraperError as exc:
            return RedirectResponse(f"/?error={quote(str(exc))}", status_code=303)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        return page(request, "login.html", failed=False)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: str = Form("")) -> Response:
        if not access.token or not hmac.compare_digest(token.encode(), access.token.encode()):
            return page(request, "login.html", failed=True)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, session_value(access.token), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login" if access.token else "/", status_code=303)
        response.delete_cookie(COOKIE)
        return response


def _to_login(access: Access) -> Response:
    if access.token:
        return RedirectResponse("/login", status_code=303)
    return HTMLResponse("The ops page answers loopback clients only while SCRAPER_API_TOKEN is unset.", 403)


class OpsServer:
    """The uvicorn server of the ops app; binds at construction so a bad address fails before anything runs."""

    def __init__(self, settings: Settings) -> None:
        if not settings.api_token and not is_loopback(settings.host):
            raise ConfigError(f"refusing to serve the ops API on {settings.host} without SCRAPER_API_TOKEN; "
                              "set it in .env, or use --host 127.0.0.1")
        self.settings = settings
        self.sock = _bind(settings.host, settings.port)
        host, port = self.sock.getsockname()[:2]
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, ops: Ops) -> None:
        """Serve the ops app over `ops` in a background thread."""
        app = create_app(self.settings, ops)
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="ops server", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving (in-flight requests get a few seconds)."""
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(10)
        self.sock.close()


def _bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on host:port; ConfigError naming the address when that fails."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise ConfigError(f"cannot serve the ops page on {host}:{port}: {exc.strerror or exc}; "
                          "choose another --port or SCRAPER_PORT") from None
    return sock
