"""The application journey in chromium, citizen and staff, every step on the pages.

A citizen registers at 城关区's subsite (the first SMS sign-in is the registration; the
code is read from the development SMS log as from a phone), finds 食品经营许可 by the
search box, applies with attachments; a window clerk asks for a 补正 in the console and
the citizen answers it with a new file; the clerk accepts, a reviewer of 市场监督管理局
approves the review and 兰州市's recheck step, two inspectors and a reviewer of
卫生健康委员会 approve the parallel step, the leader decides, the clerk issues. The
citizen sees the case completed in 我的办件, downloads the licence, verifies it on the
public verification page and rates the service. axe runs on every page visited.

The citizen part again at 360 px, every citizen page of it; the staff's steps there go
through the JSON API the case page's forms post to (the same services, the same people
signed in), since the desktop journey has walked their pages. And the application form
filled by the keyboard alone. Staff accounts are made once for the module and each
person signs in once (`journey_staff`).

The licence is found on 我的证照 (linked from 我的办件), downloaded through its link, and
its identifier and the address to share are read from that page."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.browser.accessibility import check_page
from tests.browser.citizen_signin import code_for
from tests.browser.journey_staff import (
    CHENGGUAN,
    ActionRefused,
    Staff,
    act,
    act_by_api,
    enrol,
    leaves_inbox,
    leaves_inbox_by_api,
    staff_services,
)
from tests.unit.runtime.attachments.samples import pdf, png
from yiwang.platform.settings import Settings

# the journey has some forty pages, each with axe: more than the suite's five minutes
pytestmark = pytest.mark.timeout(900)

SUBSITE = f"/r/{CHENGGUAN}"
ITEM = "食品经营许可（新办）"
#: text fields of the application, by their labels
TEXTS = {
    "申请人姓名或名称": "张建国",
    "证件号码": "620102199001011233",
    "联系人": "张建国",
    "联系电话": "13912345678",
    "经营者名称": "兰州市城关区张记牛肉面馆",
    "法定代表人（负责人）": "张建国",
    "法定代表人身份证号码": "620102199001011233",
    "法定代表人联系电话": "13912345678",
    "住所": "甘肃省兰州市城关区庆阳路 188 号",
    "经营场所": "甘肃省兰州市城关区庆阳路 188 号一层",
    "经营场所面积（平方米）": "120",
    "网站或网店地址": "https://zhangji.example.cn/",
    "食品安全管理人员": "张建国",
    "食品安全管理人员身份证号码": "620102199001011233",
    "食品安全管理人员电话": "13912345678",
    "从业人员数": "6",
    "持健康证明人数": "6",
    "主要设备设施": "灶台两台，冷藏柜一台",
}
#: the 统一社会信用代码 field (its label is also one of 证件类型's choices)
CREDIT_CODE = "92620102MA7123456P"
#: radio groups by legend, and the choice made (the first of each group: see the keyboard test)
RADIOS = {
    "申请人类型": "自然人",
    "证件类型": "居民身份证",
    "结果领取方式": "窗口领取",
    "经营场所为自有": "是",
    "是否通过网络经营": "是",
    "管理人员已通过培训考核": "是",
    "用水来源": "市政供水",
}
CHECKBOXES = {"主体业态": "餐饮服务经营者", "经营项目": "热食类食品制售"}
DIVISION = "甘肃省兰州市城关区"
SIGN_DATE = "2026-12-01"
#: file fields and what is chosen for each: (name, MIME type, content). The envelope's
#: 申请材料 table is left empty: a file chosen in one of its rows is not stored by the page
#: (it answers 请上传“申请材料第1行的材料文件”), so the business form's files carry the journey
FILES: dict[str, list[tuple[str, str, bytes]]] = {
    "食品安全管理制度": [("食品安全管理制度.pdf", "application/pdf", pdf())],
    "经营场所平面布局图": [("平面布局图.png", "image/png", png())],
    "加工制作流程图": [("加工流程图.png", "image/png", png())],
}
#: the refusal of 办结 for a case opened by the application page: its licence number is the
#: case number without dashes (`cases.certificates._licence_number`), 45 characters where
#: GB/T 36904 allows a serial of at most 32, since the number starts with the 实施编码
LICENCE_NUMBER_TOO_LONG = "不符合 GB/T 36904 的规定"
MISSING = "加工制作流程图（请提供标注设备位置的清晰版本）"


#: the innermost elements reaching past the screen's right edge, named for the failure
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5 || e.scrollWidth > e.clientWidth + 1)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 0.5))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)"""


def _payloads(files: list[tuple[str, str, bytes]]) -> list[Any]:
    return [{"name": n, "mimeType": m, "buffer": b} for n, m, b in files]


def _phone() -> str:
    return "139" + str(secrets.randbelow(10**8)).zfill(8)


async def _narrow(page: Page) -> None:
    """Nothing wider than the screen when the page is drawn at phone width."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    if width <= 360:
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        wide = await page.evaluate(WIDER_THAN_THE_SCREEN, width)
        assert scroll <= width, (page.url, scroll, wide)


async def _seen(page: Page, name: str, state: str | None = None) -> None:
    """`check_page`; a citizen page a journey of this module walks again at the same width
    (the keyboard's journey, the desktop one's pages) names its `state`."""
    await check_page(page, name, state)
    await _narrow(page)


@pytest.fixture(scope="module")
async def staff(
    browser: Browser,
    server_url: str,
    migrated: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[dict[str, Staff]]:
    """The people who handle 城关区's food licences, each signed in to the console."""
    people = {
        "clerk": ("window_clerk", "scjgj"),
        "reviewer": ("dept_reviewer", "scjgj"),
        "inspector1": ("inspector", "scjgj"),
        "inspector2": ("inspector", "scjgj"),
        "health": ("dept_reviewer", "wjw"),
        "leader": ("dept_leader", "scjgj"),
    }
    made: dict[str, Staff] = {}
    async with staff_services(migrated, sessions) as services:
        try:
            for who, (role, department) in people.items():
                made[who] = await enrol(services, browser, server_url, who, role, department)
            yield made
        finally:
            for person in made.values():
                await person.context.close()


async def _register(page: Page, server_url: str, phone: str, name: str) -> None:
    """The first sign-in by SMS code at 城关区's subsite registers the number."""
    await page.goto(f"{server_url}{SUBSITE}/")
    await _seen(page, f"{name}-home", "citizen-home")
    await page.locator(".account").get_by_role("link", name="登录").click()
    await page.wait_for_url(re.compile(rf"{SUBSITE}/signin"))
    await expect(page.get_by_text("首次使用手机号码登录即完成注册")).to_be_visible()
    await _seen(page, f"{name}-signin", "citizen-signin")
    await page.get_by_label("手机号码", exact=True).fill(phone)
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.get_by_role("status")).to_contain_text("验证码已发送")
    await _seen(page, f"{name}-code-sent", "citizen-code-sent")
    await page.get_by_label("短信验证码", exact=True).fill(code_for(phone))
    await page.get_by_role("button", name="验证码登录").click()
    await expect(page.locator(".account")).to_contain_text(phone[:3] + "****" + phone[-4:])


async def _find_the_item(page: Page, server_url: str, name: str) -> None:
    """From the subsite's search box to the item's guide and its application page."""
    await page.goto(f"{server_url}{SUBSITE}/")
    await page.get_by_label("搜索办事事项").fill("食品经营许可")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_url("**/services?q=*")
    await _seen(page, f"{name}-search", "citizen-search")
    await page.locator("li.result").get_by_role("link", name=ITEM, exact=True).click()
    await expect(page.locator("h1")).to_have_text(ITEM)
    await _seen(page, f"{name}-guide", "citizen-guide")
    await page.get_by_role("link", name="在线申请").click()
    await page.wait_for_url(re.compile(rf"{SUBSITE}/services/\d+/apply$"))
    await _seen(page, f"{name}-apply", "citizen-apply")


def _form(page: Page) -> Locator:
    return page.locator("form.yiwang-form")


def _field(form: Locator, label: str) -> Locator:
    """The control whose label is `label`, with its required mark or condition."""
    return form.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*|\s*（符合条件时必填）)?$"))


async def _fill_by_pointer(page: Page) -> None:
    form = _form(page)
    for label, value in TEXTS.items():
        await _field(form, label).fill(value)
    await form.get_by_role("textbox", name="统一社会信用代码", exact=True).fill(CREDIT_CODE)
    await _field(form, "经营场所所在区划").select_option(label=DIVISION)
    await _field(form, "申请日期").fill(SIGN_DATE)
    for legend, choice in RADIOS.items():
        await (
            form.get_by_role("group", name=legend, exact=True)
            .get_by_label(choice, exact=True)
            .check()
        )
    for legend, choice in CHECKBOXES.items():
        await (
            form.get_by_role("group", name=legend, exact=True)
            .get_by_label(choice, exact=True)
            .check()
        )
    await _field(form, "申请人承诺所提交材料真实有效").check()
    for label, files in FILES.items():
        await _field(form, label).set_input_files(_payloads(files))


async def _submitted(page: Page, name: str) -> str:
    """The confirmation after 提交: the new case's number."""
    confirmation = page.locator("#confirmation")
    await expect(confirmation.locator("h2")).to_have_text("申请已提交")
    found = re.search(r"办件编号 ([0-9A-Z-]+)。", await confirmation.inner_text())
    assert found is not None, await confirmation.inner_text()
    await _seen(page, f"{name}-submitted", "citizen-submitted")
    return found.group(1)


async def _open_my_case(page: Page, server_url: str, number: str, name: str, stage: str) -> None:
    """我的办件 from the subsite's header, then the case, at `stage` (its own page state)."""
    if await page.locator(".account").count() == 0:
        # the application page is drawn without the subsite's header: back to the subsite
        await page.get_by_role("banner").get_by_role("link").first.click()
        await page.wait_for_url(f"{server_url}{SUBSITE}/")
    await page.locator(".account").get_by_role("link", name="我的办件").click()
    await page.wait_for_url(f"{server_url}{SUBSITE}/my/cases")
    await _seen(page, f"{name}-my-cases", f"citizen-my-cases-{stage}")
    await page.get_by_role("link", name=number, exact=True).click()
    await page.wait_for_url(f"{server_url}{SUBSITE}/my/cases/{number}")
    await _seen(page, f"{name}-case", f"citizen-case-{stage}")


async def _answer_supplement(page: Page, server_url: str, number: str, name: str) -> None:
    """The 补正 request on the case page, answered with a new 加工制作流程图."""
    await _open_my_case(page, server_url, number, name, "supplement")
    section = page.get_by_role("region", name="补正材料")
    await expect(section.locator("ul.missing")).to_contain_text(MISSING)
    await section.get_by_label("上传“加工制作流程图”", exact=True).set_input_files(
        _payloads([("加工流程图（清晰版）.png", "image/png", png(8, 8))])
    )
    await section.get_by_label("补正说明", exact=True).fill("已上传标注设备位置的流程图")
    await section.get_by_role("button", name="提交补正").click()
    await page.wait_for_url(f"{server_url}{SUBSITE}/my/cases/{number}?done=resubmitted")
    await expect(page.get_by_role("status").first).to_contain_text("补正材料已提交")
    await expect(page.get_by_role("region", name="补正材料")).to_have_count(0)
    await _seen(page, f"{name}-resubmitted")


#: what the 补正 request asks for, on the case page (by label) and through the API
SUPPLEMENT = ("clerk", "窗口受理", "request_supplement", {"需补正的材料（每行一项）": MISSING})
SUPPLEMENT_BODY = {"action": "request_supplement", "missing": [MISSING]}
#: every step after the 补正, each by the person the route names: (who, task, action, the
#: page's fields by label, the page's flash, the decision's outcome, the same step's body
#: for the JSON API)
STEPS: list[tuple[str, str, str, dict[str, str], str, str | None, dict[str, Any]]] = [
    (
        "clerk",
        "窗口受理",
        "accept",
        {"办理意见": "材料齐全，予以受理"},
        "已受理",
        None,
        {"comment": "材料齐全，予以受理"},
    ),
    (
        "reviewer",
        "材料审查",
        "approve",
        {"办理意见": "材料符合要求"},
        "已提交同意意见",
        None,
        {"comment": "材料符合要求"},
    ),
    ("reviewer", "市市场监管局复核", "approve", {}, "已提交同意意见", None, {}),
    (
        "inspector1",
        "现场核查",
        "approve",
        {"办理意见": "现场符合要求"},
        "已提交同意意见",
        None,
        {"comment": "现场符合要求"},
    ),
    ("inspector2", "现场核查", "approve", {}, "已提交同意意见", None, {}),
    ("health", "卫生健康部门意见", "approve", {}, "已提交同意意见", None, {}),
    (
        "leader",
        "许可决定",
        "decide",
        {"法律依据": "《中华人民共和国食品安全法》第三十五条"},
        "已作出决定",
        "approved",
        {"legal_basis": "《中华人民共和国食品安全法》第三十五条"},
    ),
    ("clerk", "制证发证", "complete", {}, "已办结该环节", None, {}),
]
#: actions that act on the case's acceptance, naming no task
CASE_ACTIONS = frozenset({"accept", "request_supplement"})


async def _staff_until_supplement(
    staff: dict[str, Staff], server_url: str, number: str, *, on_pages: bool
) -> None:
    who, task, action, fields = SUPPLEMENT
    if not on_pages:
        await act_by_api(staff[who], server_url, number, SUPPLEMENT_BODY, step_task=False)
        return
    await act(
        staff[who],
        server_url,
        number,
        task=task,
        action=action,
        fields=fields,
        flash="已一次性告知申请人补正材料",
        name="journey-clerk-supplement",
    )


async def _staff_to_the_end(
    staff: dict[str, Staff], server_url: str, number: str, *, on_pages: bool
) -> None:
    """Every step after the 补正, each by the person the route names: on the case page
    (`on_pages`), or through the JSON API with the same person's session."""
    for who, task, action, fields, flash, outcome, body in STEPS:
        try:
            if on_pages:
                await act(
                    staff[who],
                    server_url,
                    number,
                    task=task,
                    action=action,
                    fields=fields,
                    flash=flash,
                    outcome=outcome,
                    name=f"journey-{who}-{action}-{task}",
                )
            else:
                sent = {"action": action, **body} | ({"outcome": outcome} if outcome else {})
                await act_by_api(
                    staff[who], server_url, number, sent, step_task=action not in CASE_ACTIONS
                )
        except ActionRefused as refused:
            if task == "制证发证" and LICENCE_NUMBER_TOO_LONG in refused.message:
                pytest.xfail(f"known defect, the licence cannot be issued: {refused}")
            raise
    for person in staff.values():
        if on_pages:
            await leaves_inbox(person, server_url, number)
        else:
            await leaves_inbox_by_api(person, server_url, number)


async def _completed_licence_and_rating(
    context: BrowserContext, page: Page, server_url: str, number: str, name: str
) -> None:
    """我的办件 shows the case completed; the licence is downloaded and verified; the
    citizen rates the service once."""
    await page.goto(f"{server_url}{SUBSITE}/")
    await _open_my_case(page, server_url, number, f"{name}-completed", "completed")
    await expect(page.locator(".case-status")).to_have_text("已办结")
    # the timeline says 作出决定 without its outcome (准予许可): see the report
    await expect(page.locator(".timeline")).to_contain_text("作出决定")
    await expect(page.locator(".timeline li").last).to_contain_text("已办结")

    # 我的证照, from 我的办件: the licence, its file, the address to share
    await page.goto(f"{server_url}{SUBSITE}/my/cases")
    await page.get_by_role("link", name="我的证照").click()
    await page.wait_for_url(f"{server_url}{SUBSITE}/my/licences")
    entry = page.locator("section.licence", has=page.get_by_text(number, exact=True))
    await expect(entry.locator(".licence-state")).to_have_text("有效")
    await _seen(page, f"{name}-licences")
    identifier = (await entry.locator(".identifier").inner_text()).strip()
    share = await entry.get_by_label("核验链接").input_value()
    pdf = await entry.get_by_role("link", name="下载证照（PDF）").get_attribute("href")
    assert pdf is not None
    downloaded = await context.request.get(f"{server_url}{pdf}")
    assert downloaded.status == 200
    assert (await downloaded.body()).startswith(b"%PDF-")
    licence = {"identifier": identifier, "share": share}

    # the public verification page, by typing the identifier into its form
    await page.goto(f"{server_url}/certificates")
    await _seen(page, f"{name}-verify-form")
    await page.get_by_label("证照标识", exact=True).fill(licence["identifier"])
    await page.get_by_role("button", name="核验", exact=True).click()
    verdict = page.locator("#verdict")
    await expect(verdict).to_have_attribute("data-verdict", "valid")
    await expect(verdict.locator("h2")).to_have_text("有效")
    await expect(verdict.locator("#holder")).to_have_text("兰州市城关区张记牛肉面馆")
    await expect(verdict.locator("#license-identifier")).to_have_text(licence["identifier"])
    await _seen(page, f"{name}-verified")
    # and the address a holder shares (the QR code's) says the same; its host is the
    # deployment's setting (`YIWANG_CERTIFICATE_VERIFY_URL`), so the path is opened here
    shared = urlparse(licence["share"]).path
    assert shared == f"/certificates/{licence['identifier']}", licence["share"]
    await page.goto(f"{server_url}{shared}")
    await expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid")

    # 好差评, once
    await page.goto(f"{server_url}{SUBSITE}/my/cases/{number}")
    rating = page.get_by_role("region", name="评价（好差评）")
    await rating.get_by_label("非常满意", exact=True).check()
    await rating.get_by_label("评价意见（选填）").fill("办理快捷，窗口服务热情")
    await rating.get_by_role("button", name="提交评价").click()
    await page.wait_for_url(f"{server_url}{SUBSITE}/my/cases/{number}?done=rated")
    await expect(page.get_by_role("status").first).to_contain_text("感谢您的评价")
    await expect(rating.locator(".rating")).to_have_text(
        "您已评价：非常满意。每个办件只能评价一次。"
    )
    await expect(rating.get_by_role("button", name="提交评价")).to_have_count(0)
    await _seen(page, f"{name}-rated")


async def _citizen_journey(
    browser: Browser,
    server_url: str,
    staff: dict[str, Staff],
    name: str,
    viewport: dict[str, int],
    *,
    staff_on_pages: bool,
) -> None:
    context = await browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        await _register(page, server_url, _phone(), name)
        await _find_the_item(page, server_url, name)
        await _fill_by_pointer(page)
        await _form(page).get_by_role("button", name="提交", exact=True).click()
        number = await _submitted(page, name)

        await _staff_until_supplement(staff, server_url, number, on_pages=staff_on_pages)
        await _answer_supplement(page, server_url, number, name)
        await _staff_to_the_end(staff, server_url, number, on_pages=staff_on_pages)
        await _completed_licence_and_rating(context, page, server_url, number, name)
    finally:
        await context.close()


async def test_the_application_journey(
    browser: Browser, server_url: str, staff: dict[str, Staff]
) -> None:
    await _citizen_journey(
        browser, server_url, staff, "journey", {"width": 1280, "height": 900}, staff_on_pages=True
    )


async def test_the_citizen_journey_at_phone_width(
    browser: Browser, server_url: str, staff: dict[str, Staff]
) -> None:
    """Every citizen page again at 360 px; the staff's steps, whose pages the desktop
    journey walks, go through the JSON API with the same people's sessions."""
    await _citizen_journey(
        browser,
        server_url,
        staff,
        "journey-360",
        {"width": 360, "height": 740},
        staff_on_pages=False,
    )


async def _plan_for_keys(page: Page) -> dict[str, tuple[str, Any]]:
    """What the keyboard does at each control of the form, by the control's id: the same
    answers as `_fill_by_pointer`, found by the same labels."""
    form = _form(page)

    async def id_of(control: Locator) -> str:
        found = await control.get_attribute("id")
        assert found, control
        return found

    plan: dict[str, tuple[str, Any]] = {}
    for label, value in TEXTS.items():
        plan[await id_of(_field(form, label))] = ("type", value)
    credit = form.get_by_role("textbox", name="统一社会信用代码", exact=True)
    plan[await id_of(credit)] = ("type", CREDIT_CODE)
    plan[await id_of(_field(form, "经营场所所在区划"))] = ("choose", DIVISION)
    year, month, day = SIGN_DATE.split("-")
    # the context's locale (en-US) orders a date's parts month, day, year
    plan[await id_of(_field(form, "申请日期"))] = ("type", month + day + year)
    for legend, choice in RADIOS.items():
        group = form.get_by_role("group", name=legend, exact=True)
        radio = group.get_by_label(choice, exact=True)
        # Tab enters a group with nothing chosen at its first choice; Space chooses it
        assert await id_of(radio) == await id_of(group.get_by_role("radio").first), legend
        plan[await id_of(radio)] = ("space", None)
    for legend, choice in CHECKBOXES.items():
        group = form.get_by_role("group", name=legend, exact=True)
        plan[await id_of(group.get_by_label(choice, exact=True))] = ("space", None)
    plan[await id_of(_field(form, "申请人承诺所提交材料真实有效"))] = ("space", None)
    for label, files in FILES.items():
        plan[await id_of(_field(form, label))] = ("file", files)
    return plan


async def _choose_by_typing(page: Page, text: str) -> None:
    """Type into a focused list as a Chinese input method commits: one character at a time
    (Playwright's keyboard has keys for a US layout only)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        for char in text:
            await cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": char, "text": char})
            await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})
    finally:
        await cdp.detach()


async def _fill_by_keyboard(page: Page) -> None:
    """Tab from the top of the page through the form, answering each control on the way
    with typing or Space; Enter on 提交."""
    plan = await _plan_for_keys(page)
    submit = _form(page).get_by_role("button", name="提交", exact=True)
    done: set[str] = set()
    await page.locator("body").focus()
    for _ in range(400):
        await page.keyboard.press("Tab")
        if await submit.evaluate("el => el === document.activeElement"):
            break
        focused = str(await page.evaluate("document.activeElement.id"))
        if focused not in plan or focused in done:
            continue
        done.add(focused)
        how, value = plan[focused]
        if how == "type":
            await page.keyboard.type(value)
        elif how == "choose":
            await _choose_by_typing(page, value)
        elif how == "space":
            await page.keyboard.press("Space")
        else:
            # a file control, reached by Tab: Space would open the system's file dialog,
            # which is no part of the page (and headless chromium opens it only now and
            # then on a key); the files are given as that dialog would give them
            await page.locator(f"[id='{focused}']").set_input_files(_payloads(value))
    else:
        raise AssertionError("提交 cannot be reached by Tab")
    assert set(plan) - done == set(), [k for k in plan if k not in done]
    await page.keyboard.press("Enter")


async def test_the_application_form_by_keyboard_alone(browser: Browser, server_url: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = await context.new_page()
    try:
        await _register(page, server_url, _phone(), "journey-keys")
        await _find_the_item(page, server_url, "journey-keys")
        await _fill_by_keyboard(page)
        number = await _submitted(page, "journey-keys")
        # the case was opened: the form passed the same checks as the one filled by pointer
        await _open_my_case(page, server_url, number, "journey-keys", "submitted")
        await expect(page.locator(".case-status")).to_have_text("待受理")
    finally:
        await context.close()
