"""Building the judge: seeds become known stories, and BLAS keeps to one thread."""

from threadpoolctl import threadpool_info

from monitor.config import load_config
from monitor.novelty.engine import new_judge
from monitor.types import SeedDoc
from tests.conftest import ROOT


def test_judge_knows_its_seeds_and_holds_blas_to_one_thread() -> None:
    settings = load_config(ROOT / "config" / "watchlist.yaml").novelty.settings()
    seed = SeedDoc("000_vote", "Assembly passes budget", "The provincial assembly passed the budget on Tuesday.",
                   published="2024-11-05")

    judge = new_judge(settings, [seed])

    assert judge.known_documents == 1 and judge.horizon is not None and judge.horizon.isoformat() == "2024-11-05"
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
