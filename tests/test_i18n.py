"""Chinese first, English second: every message has its Chinese, and the switch works."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from .conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "training_portal"
SOURCES = [PACKAGE, ROOT / "question_bank", ROOT / "proctoring"]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def test_every_message_in_the_code_has_a_chinese_translation():
    # A message is its context and its text: pgettext("thing", "Name") (名称) is another message
    # than _("Name") (姓名), and each needs its own Chinese.
    in_code = {
        (context, message if isinstance(message, str) else message[0])
        for source in SOURCES
        for _file, _line, message, _comments, context in extract_from_dir(
            str(source), METHODS, keywords=KEYWORDS
        )
    }
    with open(PACKAGE / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string
    }
    missing = sorted(
        f"{context}|{message}" if context else message for context, message in in_code - translated
    )
    assert not missing, "no Chinese for: " + "; ".join(missing)


def test_pages_are_chinese_by_default_and_switch_to_english(demo, client):
    page = client.get("/login")
    assert "<h1>登录</h1>" in page.text and 'lang="zh-CN"' in page.text
    switched = client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(client)}
    )
    assert switched.status_code == 302 and switched.headers["Location"] == "/login"
    assert "<h1>Log in</h1>" in client.get("/login").text
    login(client, "trainee")  # the choice survives logging in
    assert "Log out" in client.get("/").text
    client.post("/language", data={"lang": "zh_CN", "csrf_token": csrf_token(client, "/")})
    assert "退出" in client.get("/").text


def test_the_language_switch_never_redirects_off_site(client):
    token = csrf_token(client)
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
        assert response.headers["Location"] == "/"


def test_api_reasons_follow_the_language(demo, client):
    assert client.get("/api/records/me").get_json()["reason"] == "请先登录。"
