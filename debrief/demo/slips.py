"""The demo evaluation's ballot slips, written once when the demo is built.

Tokens are stored hashed, so their plain text exists only at the moment they are
issued: the demo writes the slips then, under MEDIA_ROOT/demo-ballot-slips/, with a
links.txt of ballot addresses for trying a ballot from a phone on the same network.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from django.conf import settings

from debrief.ballots.slips import ballot_url, slips_docx_bytes, tokens_csv_bytes

DEMO_PORT = 8000


def slips_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "demo-ballot-slips"


def lan_base_url() -> str:
    """The address a phone on the same network can reach `make run` at: the machine's
    first non-loopback IPv4 address (looked up locally, no traffic sent), or
    DEBRIEF_PUBLIC_URL when set."""
    configured = os.environ.get("DEBRIEF_PUBLIC_URL") or getattr(settings, "DEBRIEF_PUBLIC_URL", "")
    if configured:
        return configured.rstrip("/")
    try:
        addresses = {
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        }
    except OSError:
        addresses = set()
    lan = sorted(a for a in addresses if not a.startswith("127."))
    host = lan[0] if lan else "127.0.0.1"
    return f"http://{host}:{DEMO_PORT}"


def write_demo_slips(*, meeting_title: str, tokens_by_group: dict[str, list[str]]) -> Path:
    folder = slips_dir()
    folder.mkdir(parents=True, exist_ok=True)
    base = lan_base_url()
    links = []
    for number, (group, tokens) in enumerate(tokens_by_group.items(), start=1):
        (folder / f"{number}-{group}.docx").write_bytes(
            slips_docx_bytes(
                meeting_title=meeting_title, group_name=group, tokens=tokens, base=base
            )
        )
        (folder / f"{number}-{group}.csv").write_bytes(
            tokens_csv_bytes(group_name=group, tokens=tokens, base=base)
        )
        links += [f"{group}\t{ballot_url(base, token)}" for token in tokens]
    (folder / "links.txt").write_text("\n".join(links) + "\n", encoding="utf-8")
    return folder


def demo_slips_text() -> str:
    """Where the slips are and how to vote, for the console."""
    folder = slips_dir()
    links_file = folder / "links.txt"
    if not links_file.exists():
        return (
            "演示测评码未找到 / the demo ballot slips are not there any more: issue new tokens "
            "on the evaluation page of this year's meeting.\n"
        )
    links = [line.split("\t")[1] for line in links_file.read_text(encoding="utf-8").splitlines()]
    lines = [
        "演示测评码（民主测评）/ Demo ballot slips (democratic evaluation)",
        f"  文件 / Files: {folder}  (.docx 可打印裁切 / printable slips; .csv; links.txt)",
        "  1. 以 county_admin 登录，打开本年度述职评议会的“民主测评”，点击“开始测评”。",
        "     Log in as county_admin, open this year's meeting, 民主测评, and open the evaluation.",
        "  2. 用同一网络中的手机扫码或打开以下地址之一 / On a phone on the same network, open:",
        *[f"     {url}" for url in links[:3]],
    ]
    return "\n".join(lines) + "\n"
