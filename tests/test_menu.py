"""The top menu is drawn from what each domain registers: every role sees the entries its
permissions allow, in Chinese, and no entry leads to a page that refuses it."""

from __future__ import annotations

import re

import pytest

from .conftest import login
from .test_access_matrix import LOGGED_IN

# What the menu showed before it became a registry (base.html's hand-written links), 练习
# for everyone with a record, and 线上学习 for them and whoever runs or oversees training.
EXPECTED = {
    "admin": [
        "线上学习",
        "班次",
        "矿山考核",
        "监管干部培训",
        "证书",
        "监管看板",
        "五职矿长达标情况",
        "安全文化建设",
        "事故警示通报",
        "警示教育日",
        "培训机构监管",
        "搜索",
        "通知",
        "人员",
        "单位",
        "题库",
        "账号",
        "导入与开户",
    ],
    "trainee": ["我的档案", "我的培训", "练习", "线上学习", "课程", "我的证书", "通知"],
    # The mine runs its own team leaders' and front-line workers' classes and assessments (issue 19).
    "mine_officer": [
        "我的档案",
        "我的培训",
        "练习",
        "线上学习",
        "班次",
        "矿山考核",
        "我的证书",
        "五职矿长达标情况",
        "安全文化建设",
        "事故警示通报",
        "警示教育日",
        "通知",
        "人员",
        "单位",
    ],
}


def menu_of(html: str) -> list[tuple[str, str]]:
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
    return [
        (href, re.sub(r"\s+", " ", text).strip())
        for href, cls, text in re.findall(r'<a href="([^"]+)"( class="[^"]*")?>(.*?)</a>', nav, re.S)
        if not cls
    ]


@pytest.mark.parametrize("role", LOGGED_IN)
def test_every_menu_entry_opens(demo, client, role):
    login(client, role)
    entries = menu_of(client.get("/").text)
    assert entries, f"{role} sees no menu"
    assert len({href for href, _ in entries}) == len(entries)
    for href, label in entries:
        assert re.search(r"[\u4e00-\u9fff]", label), f"{label!r} is not Chinese"
        response = client.get(href, follow_redirects=True)
        assert response.status_code == 200, f"{role}: {label} ({href}) answers {response.status_code}"


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_menu_entries_follow_the_permissions(demo, client, role):
    login(client, role)
    labels = [label for _, label in menu_of(client.get("/").text)]
    assert labels == EXPECTED[role]


def test_no_menu_when_logged_out(demo, client):
    assert menu_of(client.get("/login").text) == []
