"""Templates are read once per process: a render must not stat every template it includes."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

from yiwang.runtime.cases.pages import environment as cases_environment
from yiwang.runtime.forms.rendering import environment as forms_environment
from yiwang.runtime.web.environment import TEMPLATES, page_environment


def test_a_second_render_of_the_page_layout_stats_no_file() -> None:
    env = page_environment([])
    env.get_template("error.html")
    env.get_template("layout.html")
    with mock.patch.object(os.path, "getmtime", side_effect=AssertionError("stat")) as stat:
        env.get_template("error.html")
        env.get_template("layout.html")
    assert stat.call_count == 0


def test_every_environment_of_the_app_keeps_its_templates() -> None:
    assert Path(TEMPLATES, "layout.html").is_file()
    environments = (page_environment([]), cases_environment(), forms_environment())
    assert [e.auto_reload for e in environments] == [False, False, False]
