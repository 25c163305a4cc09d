"""The REST API, /api/v1 (docs/api.md): its own FastAPI app, mounted in front of Reflex by client_profile.py.

Every request: the key of ``Authorization: Bearer <key>`` (services.integrations.api_keys: 401 without a live key),
counted against the key's per-minute limit (429 with Retry-After), then one unit of work; every query is scoped to
the key's provider (services.integrations.api_data). Writes need a read-write key (403 otherwise) and go through
the console's services (services.integrations.api_writes). Errors are one JSON shape, ``{"error": {"code",
"message", "fields"}}``.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from client_profile.api.headers import script_hashes_of
from client_profile.api.v1 import schemas
from client_profile.db import unit_of_work
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound, StaleEdit
from client_profile.services.integrations import api_data, api_keys, api_writes
from client_profile.services.integrations.api_keys import ApiCaller, InvalidKey
from client_profile.settings import get_settings

# resource path -> its output schema (the services' RESOURCES name the table, the scope and the filters)
SCHEMAS: dict[str, type[schemas.Out]] = {
    "programmes": schemas.Programme,
    "classes": schemas.ClassGroup,
    "sessions": schemas.ClassSession,
    "families": schemas.Family,
    "clients": schemas.Client,
    "attendees": schemas.Attendee,
    "bookings": schemas.Booking,
    "attendance": schemas.Attendance,
    "charges": schemas.Charge,
    "payments": schemas.Payment,
    "orders": schemas.Order,
    "entry_passes": schemas.EntryPass,
    "makeup_credits": schemas.MakeupCredit,
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.Error, "description": text}
    for status, text in (
        (401, "No valid API key"),
        (404, "Not found (also another provider's id)"),
        (422, "Invalid input; `fields` names each bad field"),
        (429, "Over the key's rate limit; see Retry-After"),
    )
}
WRITE_ERRORS = ERRORS | {
    400: {"model": schemas.Error, "description": "The body is not JSON"},
    403: {"model": schemas.Error, "description": "A read-only key"},
    409: {"model": schemas.Error, "description": "A rule refuses it now (full class, stale data, ...)"},
}
# Swagger UI's files, shipped in the swagger-ui-bundle wheel and served under /api/v1/docs/ by the app.
DOCS_FILES = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


bearer = HTTPBearer(auto_error=False, description="An API key made in /admin/integrations: `Bearer cpk_...`")


def current_caller(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiCaller:
    """The request's live key, counted against its rate limit (two short units of work before the route's)."""
    with unit_of_work() as db:  # read only
        caller = api_keys.authenticate(db, request.headers.get("authorization"))
    with unit_of_work() as db:  # starts with a write: on SQLite it waits for the lock instead of failing
        wait = api_keys.count_request(db, caller, get_settings().api_rate_limit_per_minute)
    if wait is not None:
        raise RateLimited(wait)
    return caller


Caller = Annotated[ApiCaller, Depends(current_caller)]


def _error(status: int, code: str, message: str, fields: dict[str, str] | None = None, **headers: str):
    body = schemas.Error(error=schemas.ErrorBody(code=code, message=message, fields=fields or {}))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers or None)


def _field_name(loc: tuple) -> str:
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else list(map(str, loc))
    )
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(InvalidKey)
    async def _unauthorized(_request, _exc):
        return _error(
            401,
            "unauthorized",
            "A valid API key is required: Authorization: Bearer <key>.",
            **{"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(RateLimited)
    async def _limited(_request, exc: RateLimited):
        return _error(
            429,
            "rate_limited",
            f"Too many requests for this key; retry in {exc.retry_after} s.",
            **{"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(DomainError)
    async def _refused(_request, exc: DomainError):
        if isinstance(exc, NotFound):
            return _error(404, "not_found", str(exc))
        if isinstance(exc, Forbidden):
            return _error(403, "forbidden", str(exc))
        if isinstance(exc, FieldErrors):
            return _error(422, "invalid", str(exc), exc.fields)
        if isinstance(exc, StaleEdit):
            return _error(409, "stale", str(exc))
        return _error(409, "conflict", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request, exc: RequestValidationError):
        fields: dict[str, str] = {}
        for problem in exc.errors():
            fields.setdefault(_field_name(tuple(problem.get("loc", ()))), str(problem.get("msg", "invalid")))
        return _error(422, "invalid", "The request is not valid: " + ", ".join(fields) + ".", fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request, exc: StarletteHTTPException):
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return _error(exc.status_code, code, str(exc.detail), **(exc.headers or {}))


def _since(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _add_resource(app: FastAPI, path: str, schema: type[schemas.Out]) -> None:
    spec = api_data.RESOURCES[path]
    page_model = schemas.ListOf[schema]  # type: ignore[valid-type]

    def list_rows(
        caller: ApiCaller, limit: int, cursor: str | None, updated_since: datetime | None, **filters
    ):
        with unit_of_work() as db:
            page = api_data.list_rows(
                db,
                caller,
                path,
                limit=limit,
                cursor=cursor,
                updated_since=_since(updated_since),
                filters=filters,
            )
            return page_model(
                data=[schema.model_validate(r) for r in page.rows], next_cursor=page.next_cursor
            )

    params = [
        inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=Caller),
        inspect.Parameter(
            "limit",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[int, Query(ge=1, le=api_data.MAX_LIMIT, description="rows per page")],
            default=api_data.DEFAULT_LIMIT,
        ),
        inspect.Parameter(
            "cursor",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str | None, Query(max_length=64, description="next_cursor of the previous page")
            ],
            default=None,
        ),
        inspect.Parameter(
            "updated_since",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                datetime | None,
                Query(description="only rows changed at or after this instant (ISO 8601; UTC if naive)"),
            ],
            default=None,
        ),
        *[
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[int | None, Query(description=f"only rows with this {name}")],
                default=None,
            )
            for name in spec.filters
        ],
    ]

    def list_endpoint(**kwargs):
        caller, limit, cursor = kwargs.pop("caller"), kwargs.pop("limit"), kwargs.pop("cursor")
        return list_rows(caller, limit, cursor, kwargs.pop("updated_since"), **kwargs)

    list_endpoint.__signature__ = inspect.Signature(params, return_annotation=page_model)  # type: ignore[attr-defined]
    list_endpoint.__name__ = f"list_{path}"
    app.get(
        f"/{path}",
        response_model=page_model,
        responses=ERRORS,
        summary=f"List {path.replace('_', ' ')}",
        tags=[path],
        operation_id=f"list_{path}",
    )(list_endpoint)

    def get_endpoint(caller: Caller, row_id: int) -> Any:
        with unit_of_work() as db:
            return schema.model_validate(api_data.get_row(db, caller, path, row_id))

    get_endpoint.__name__ = f"get_{path}"
    app.get(
        f"/{path}/{{row_id}}",
        response_model=schema,
        responses=ERRORS,
        summary=f"One of the {path.replace('_', ' ')}",
        tags=[path],
        operation_id=f"get_{spec.what.replace(' ', '_').replace('-', '')}",
    )(get_endpoint)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=api_writes.MAX_IDEMPOTENCY_KEY,
        description="any unique string (a UUID): a repeat with the same key gets the first answer, applied once",
    ),
]


def _idempotent(
    caller: ApiCaller,
    request: Request,
    key: str | None,
    body: BaseModel,
    run: Callable[[Session], BaseModel],
    status: int,
) -> JSONResponse:
    """Run a write in one transaction (the write lock first on SQLite); with an Idempotency-Key, a repeat of the
    key gets the stored answer (header ``Idempotent-Replayed: true``) and changes nothing."""
    digest = hashlib.sha256(
        f"{request.method} {request.url.path} {body.model_dump_json()}".encode()
    ).hexdigest()
    for attempt in (1, 2):
        try:
            with unit_of_work(immediate=True) as db:
                seen = api_writes.replay(db, caller, key, digest) if key is not None else None
                if seen is not None:
                    return JSONResponse(seen.body, seen.status_code, headers={"Idempotent-Replayed": "true"})
                payload = jsonable_encoder(run(db))
                if key is not None:
                    api_writes.remember(db, caller, key, digest, status, payload)
            return JSONResponse(payload, status)
        except IntegrityError:  # the same key's first request committed meanwhile: answer from its row
            if key is None or attempt == 2:
                raise
    raise AssertionError("unreachable")


def _add_writes(app: FastAPI) -> None:
    @app.post(
        "/families",
        response_model=schemas.FamilyCreated,
        status_code=201,
        responses=WRITE_ERRORS,
        tags=["families"],
        operation_id="create_family",
        summary="Create a family (with its first client and attendees)",
    )
    def create_family(
        caller: Caller, request: Request, body: schemas.NewFamily, idempotency_key: IdempotencyKey = None
    ) -> Any:
        def run(db: Session) -> BaseModel:
            family, clients, attendees = api_writes.create_family(
                db,
                caller,
                name=body.name,
                email=body.email,
                full_name=body.full_name,
                phone=body.phone,
                attendees=[a.model_dump() for a in body.attendees],
            )
            return schemas.FamilyCreated(
                family=schemas.Family.model_validate(family),
                clients=[schemas.Client.model_validate(c) for c in clients],
                attendees=[schemas.Attendee.model_validate(a) for a in attendees],
            )

        return _idempotent(caller, request, idempotency_key, body, run, 201)

    @app.post(
        "/bookings",
        response_model=schemas.Booking,
        status_code=201,
        responses=WRITE_ERRORS,
        tags=["bookings"],
        operation_id="create_booking",
        summary="Enrol an attendee in a class",
    )
    def create_booking(
        caller: Caller, request: Request, body: schemas.NewBooking, idempotency_key: IdempotencyKey = None
    ) -> Any:
        def run(db: Session) -> BaseModel:
            booking = api_writes.enrol(db, caller, body.attendee_id, body.class_id, body.from_date)
            return schemas.Booking.model_validate(booking)

        return _idempotent(caller, request, idempotency_key, body, run, 201)

    @app.put(
        "/sessions/{session_id}/attendance/{attendee_id}",
        response_model=schemas.Attendance,
        responses=WRITE_ERRORS,
        tags=["attendance"],
        operation_id="set_attendance",
        summary="Mark an attendee of a session attended, missed or back to scheduled",
    )
    def set_attendance(
        caller: Caller, session_id: int, attendee_id: int, body: schemas.AttendanceMark
    ) -> Any:
        with unit_of_work(immediate=True) as db:  # like the console's marks: read, then write
            row, _changed = api_writes.mark_attendance(db, caller, session_id, attendee_id, body.state)
            return schemas.Attendance.model_validate(row)


def _add_docs(app: FastAPI) -> None:
    @app.get("/docs/{name}", include_in_schema=False)
    def docs_file(name: str) -> Response:
        """Swagger UI's script and style from the installed swagger-ui-bundle (only these two names)."""
        if name not in DOCS_FILES:
            return JSONResponse({"error": "not_found", "message": "Not found."}, status_code=404)
        body = (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes()
        return Response(body, media_type=DOCS_FILES[name], headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI served by the app itself; this page alone gets a CSP that allows its one inline script
        (by hash) and the inline styles it sets (docs/api.md "Browsable docs")."""
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="Client Profile API",
            swagger_js_url=f"{root}/docs/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/swagger-ui.css",
            swagger_favicon_url="",
        )
        hashes = "".join(f" 'sha256-{h}'" for h in script_hashes_of(page.body))
        csp = "; ".join(
            (
                "default-src 'none'",
                f"script-src 'self'{hashes}",
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "connect-src 'self'",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            )
        )
        page.headers["Content-Security-Policy"] = csp
        page.headers["Cache-Control"] = "no-store"
        return page


def build_v1() -> FastAPI:
    app = FastAPI(
        title="Client Profile API",
        version="1",
        description="The provider's data for other systems. Authentication, paging, errors, rate limits and "
        "webhooks: docs/api.md.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    _install_errors(app)
    for path, schema in SCHEMAS.items():
        _add_resource(app, path, schema)
    _add_writes(app)
    _add_docs(app)
    return app
