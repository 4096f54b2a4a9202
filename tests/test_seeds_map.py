"""specs/SEEDS.md maps seed claims to spec ids: every id it cites must exist in the corpus."""

import fnmatch
import re

from conformance.loader import bundled_specs_root, load_corpus

ID = re.compile(r"`([a-z_]+\.[a-z0-9_.*-]+)`")


def test_every_id_cited_in_seeds_md_exists():
    text = (bundled_specs_root() / "SEEDS.md").read_text()
    cases = load_corpus([bundled_specs_root()]).cases
    ids = {case.id for case in cases}
    areas = {case.area for case in cases}
    # Code in backticks (`torch.float32`, `x.grad`) is not an id: ids start with an area.
    cited = {c for c in ID.findall(text) if c.split(".")[0] in areas}
    assert cited, "SEEDS.md cites no spec ids"
    missing = sorted(c for c in cited if not fnmatch.filter(ids, c))
    assert not missing, f"SEEDS.md cites ids that no spec has: {missing}"
