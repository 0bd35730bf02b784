"""The complete example of courses/README.md passes the checker, as documented."""

import re
from pathlib import Path

from lycee_ia.content.module import build_module
from lycee_ia.content.problems import Problems

README = Path(__file__).resolve().parents[2] / "courses" / "README.md"


def test_the_readme_example_passes_the_strict_check(tmp_path):
    text = README.read_text(encoding="utf-8")
    blocks = dict(re.findall(r"<!-- exemple : (\S+) -->\n````\w+\n(.*?)\n````", text, re.S))
    assert set(blocks) == {"module.md", "quiz.md", "media/trajet.svg"}
    folder = tmp_path / "exemple-sobriete"
    (folder / "media").mkdir(parents=True)
    for name, content in blocks.items():
        (folder / name).write_text(content + "\n", encoding="utf-8")
    problems = Problems()
    module = build_module(folder, problems)
    assert [p.format() for p in problems] == []
    assert len(module.sections) == 3 and len(module.activities) == 1 and len(module.quiz.questions) == 3
