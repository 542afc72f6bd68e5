#!/usr/bin/env python3
# Rewrites the key list of man/vserver-config.5 (between its BEGIN KEYS and END KEYS lines) from
# the key table of docs/config-vserver.md, which tests/unit/config/registry_test.cpp checks
# against the key registry. Run it after adding a key there: tests/unit/cli/docs_test.cpp fails
# while a registry key has no entry in the page.
import re
import sys
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
doc = (src / "docs/config-vserver.md").read_text(encoding="utf-8")
page_path = src / "man/vserver-config.5"
page = page_path.read_text(encoding="utf-8")


def roff(text):
    """Markdown cell -> roff text: `code` in bold, backslashes and dashes escaped."""
    text = text.replace("\\|", "|").replace("\\", "\\e").replace("-", "\\-")
    text = re.sub(r"`([^`]*)`", r"\\fB\1\\fR", text)
    text = re.sub(r"\*\*([^*]*)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR", text)
    return text


out = []
in_keys = False
for line in doc.splitlines():
    if line.startswith("## "):
        in_keys = line.strip() == "## Keys"
        continue
    if not in_keys or not line.startswith("| `"):
        continue
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    if len(cells) < 3:
        continue
    key = cells[0].strip("`")
    out.append(".TP")
    out.append(".B " + key.replace("-", "\\-"))
    # The last column, when there is one, says when a change takes effect (Key::applies).
    applies = "; takes effect: " + roff(cells[4]) if len(cells) >= 5 else ""
    out.append("(" + roff(cells[1]) + applies + ")")
    body = roff(cells[2])
    out.append(("\\&" + body) if body[:1] in ".'" else body)

begin = page.index(".\\\" BEGIN KEYS")
begin = page.index("\n", begin) + 1
end = page.index(".\\\" END KEYS")
page_path.write_text(page[:begin] + "\n".join(out) + "\n" + page[end:], encoding="utf-8")
print(f"{page_path}: {sum(1 for l in out if l == '.TP')} keys")
