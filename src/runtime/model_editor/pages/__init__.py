"""The operator's metadata editor: server-rendered pages over the tenant's overlay draft.

`page` holds what every page shares, `types` the types and their edit forms,
`publishing` the preview, publish, versions and rollback.

    GET  /console/t/{code}/model                           item types (metadata inspect)
    GET  /console/t/{code}/model/types/{key}               fields, lists, routes; five forms
    POST /console/t/{code}/model/types/{key}/<edit>        one edit into the draft (write, forms):
                                                           add-field, add-code, require,
                                                           insert-step, promise
    POST /console/t/{code}/model/draft/discard             drop the draft (write, forms)
    GET  /console/t/{code}/model/preview                   diff, impact, publish form (publish)
    GET  /console/t/{code}/model/preview/{key}/{form}      the draft's citizen form (inspect)
    POST /console/t/{code}/model/publish                   publish the draft (publish, forms)
    GET  /console/t/{code}/model/versions                  versions, rollback form (inspect)
    POST /console/t/{code}/model/rollback                  roll back (publish, forms)

Every change goes through `MetadataService`, as the JSON API's does: an edit is
checked as the tenant's next version and stored only if it adds no problem, and
each refusal is shown beside the control whose JSON pointer it names, with what
was typed kept. The guard decides who may come (another region's staff 404, a
citizen 403); a signed-out browser is sent to the console's sign-in.
"""

from __future__ import annotations

from typing import Final

from litestar.router import Router

from yiwang.runtime.console.access import SIGN_IN_FIRST
from yiwang.runtime.model_editor.pages.page import BASE, TEMPLATES
from yiwang.runtime.model_editor.pages.publishing import (
    preview_form,
    preview_page,
    publish,
    rollback,
    versions_page,
)
from yiwang.runtime.model_editor.pages.types import (
    EDIT_ROUTES,
    discard_draft,
    type_page,
    types_page,
)

__all__ = ["ROUTES", "TEMPLATES"]

ROUTER: Final = Router(
    path=BASE,
    route_handlers=[
        types_page,
        type_page,
        *EDIT_ROUTES,
        discard_draft,
        preview_page,
        preview_form,
        publish,
        versions_page,
        rollback,
    ],
    exception_handlers=SIGN_IN_FIRST,
)
ROUTES: Final = (ROUTER,)
