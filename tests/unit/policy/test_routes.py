"""Every route of the application declares what it needs: an object and an action, a
signed-in session, or nothing because it is public. The one walk of the route table."""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from tests.unit.policy.tree import TEMPLATES
from yiwang.app import create_app
from yiwang.platform.edge.checks import RequestChecks
from yiwang.platform.settings import Settings
from yiwang.policy.catalogue import load_catalogue
from yiwang.policy.guards import (
    ADMINISTRATION_OBJECTS,
    SAFE_METHODS,
    PolicyGuard,
    PolicyHook,
    is_automatic_options,
)

CATALOGUE = load_catalogue(TEMPLATES)


def app() -> Litestar:
    return create_app(Settings())


def handlers(application: Litestar) -> list[tuple[str, str, dict[str, object]]]:
    out = []
    for route in application.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if is_automatic_options(handler):
                continue  # lists the allowed methods, nothing else
            for method in sorted(handler.http_methods):
                out.append((method, route.path, dict(handler.opt or {})))
    return out


def test_every_route_declares_exactly_one_access_level() -> None:
    undeclared = []
    for method, path, opt in handlers(app()):
        levels = [
            opt.get("public") is True,
            opt.get("authenticated") is True,
            isinstance(opt.get("object"), str) and isinstance(opt.get("action"), str),
        ]
        if sum(levels) != 1:  # none, or several (ambiguous)
            undeclared.append(f"{method} {path} {opt}")
    assert not undeclared, "\n".join(undeclared)


def test_declared_objects_and_actions_exist_in_the_catalogue() -> None:
    unknown = [
        f"{method} {path} {opt['object']}:{opt['action']}"
        for method, path, opt in handlers(app())
        if "object" in opt
        and (opt["object"] not in CATALOGUE.objects or opt["action"] not in CATALOGUE.actions)
    ]
    assert not unknown, "\n".join(unknown)


def test_the_application_runs_the_policy_guard_last_before_every_handler() -> None:
    """The app's one `before_request` hook runs the edge's checks, then the guard, before any
    handler's dependencies. A layer that set a hook of its own would replace it (Litestar
    keeps the closest), so every route must resolve to the app's; and since the hook
    runs after Litestar's response-cache lookup, no route may set `cache=`."""
    built = app()
    hook = built.before_request
    assert built.guards == []
    assert isinstance(hook, RequestChecks)
    assert isinstance(hook.then, PolicyHook) and isinstance(hook.then.guard, PolicyGuard)
    replaced, cached, other = [], [], []
    for route in built.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                other.append(f"{route.path} {type(handler).__name__}")  # no hook would run
                continue
            if handler.resolve_before_request() is not hook:
                replaced.append(route.path)
            if handler.cache:
                cached.append(route.path)
    assert (replaced, cached, other) == ([], [], [])


def test_only_the_password_change_is_open_to_an_expired_password() -> None:
    flagged = [(m, p) for m, p, opt in handlers(app()) if opt.get("password_change") is True]
    assert flagged == [("POST", "/api/v1/me/password")]


def test_the_writes_a_suspended_tenant_still_accepts_are_its_administration() -> None:
    """Every other state-changing route under a tenant is refused while it is suspended
    or archived (the guard's one check); a new exemption shows up here."""
    exempt = sorted(
        f"{m} {p}"
        for m, p, opt in handlers(app())
        if m not in SAFE_METHODS and opt.get("object") in ADMINISTRATION_OBJECTS
    )
    assert exempt == [
        "POST /api/v1/t/{code:str}/archive",
        "POST /api/v1/t/{code:str}/onboard",
        "POST /api/v1/t/{code:str}/policy/denies",
        "POST /api/v1/t/{code:str}/resume",
        "POST /api/v1/t/{code:str}/roles/grants",
        "POST /api/v1/t/{code:str}/roles/revocations",
        "POST /api/v1/t/{code:str}/suspend",
        "POST /api/v1/t/{code:str}/unarchive",
        "POST /api/v1/t/{code:str}/users",
        "POST /api/v1/t/{code:str}/users/activations",
        "POST /api/v1/t/{code:str}/users/disable",
        "POST /api/v1/t/{code:str}/users/enable",
        "POST /api/v1/t/{code:str}/users/resets",
        "POST /api/v1/t/{code:str}/users/resets/{reset_id:int}/approve",
        "POST /api/v1/t/{code:str}/users/sessions/end",
        # the console's admin pages do what the API routes above do, through the same services
        "POST /console/t/{code:str}/admin/lifecycle/resume",
        "POST /console/t/{code:str}/admin/lifecycle/suspend",
        "POST /console/t/{code:str}/admin/onboarding",
        "POST /console/t/{code:str}/admin/roles/grants",
        "POST /console/t/{code:str}/admin/roles/revocations",
    ]


def test_no_body_field_shares_a_name_with_a_dependency() -> None:
    """Litestar files a validation error under a body field that shares a dependency's name
    as a fault of the injected value and answers 500: the fuzz found a citizen's
    `{"attachments": false}` to `/resubmit` answered so while a dependency was called
    `attachments`."""
    clashes = []
    for route in app().routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            body = handler.parsed_fn_signature.parameters.get("data")
            fields = getattr(body.annotation, "__struct_fields__", ()) if body else ()
            shared = set(fields) & set(handler.resolve_dependencies())
            if shared:
                clashes.append(f"{route.path} {sorted(shared)}")
    assert clashes == []
