import pytest

from monitor.memory import _malloc_trim, release_free_memory


def test_freed_memory_is_handed_back() -> None:
    if _malloc_trim() is None:
        pytest.skip("not glibc: the allocator has no malloc_trim")
    blocks = [bytearray(8_000) for _ in range(5_000)]  # 40 MB in heap-sized pieces
    del blocks
    assert release_free_memory()  # glibc had free pages to return
