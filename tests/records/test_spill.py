"""The spilled maps and lists behave as dict and list for what the state's fold does with them,
across their write buffer and read pages (made tiny here so every boundary is crossed)."""
import io
import json
import random

import pytest

from protocol_kit.records import spill
from protocol_kit.records.json_stream import write_json
from protocol_kit.records.spill import Spill
from protocol_kit.records.state import StateFolder


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(spill, "BUFFER", 3)
    monkeypatch.setattr(spill, "PAGE", 2)


def test_a_spilled_map_is_a_dict_in_order_and_content(tiny):
    rng = random.Random(17)
    plain, lst = {}, []
    with Spill() as s:
        m, other, spilled_list = s.map(), s.map(), s.list()
        for i in range(400):
            key = rng.choice([rng.randrange(40), f"k{rng.randrange(40)}"])
            plain[key] = {"i": i, "text": "µ" * (i % 3)}
            m[key] = plain[key]
            other[i] = i  # a second map in the same file does not mix in
            lst.append((i, key))
            spilled_list.append((i, key))
            if i % 37 == 0:  # reads between writes, from the buffer and from the file
                assert list(m.items()) == list(plain.items())
                assert len(m) == len(plain) and key in m and m[key] == plain[key]
        assert list(m) == list(plain) and list(m.values()) == list(plain.values())
        assert m.get("missing", 5) == 5 and "missing" not in m and (1.5,) not in m
        with pytest.raises(KeyError):
            m["missing"]
        assert list(spilled_list) == lst and len(spilled_list) == 400 and spilled_list
        assert list(other.values()) == list(range(400))
        # writing one map while iterating another (the fold's values by name) reads every row once
        names = s.map()
        for k, v in m.items():
            names[str(k)] = v["i"]
        assert list(names.items()) == [(str(k), v["i"]) for k, v in plain.items()]
        with pytest.raises(TypeError, match="a text or a 64-bit integer"):
            m[(1, 2)] = 0
        with pytest.raises(TypeError, match="a text or a 64-bit integer"):
            m[2**64] = 0  # refused when set, not at a later flush
        assert m.get(("a",)) is None and ("a",) not in m and 2**70 not in m  # as a dict answers


def test_a_fold_kept_on_disk_reads_as_the_fold_in_memory(tiny, run, tmp_path):
    """The same events folded in memory (RunState.to_dict, written by json.dumps) and on disk
    (the StateView, written piece by piece) give the same text; amendments reach items that
    left the buffer long before."""
    first = run.note("first note").seq
    value = run.enter_value("temperature", 21.0).seq
    for i in range(12):
        run.note(f"note {i}")
    run.amend(first, "typo", text="first note, corrected")
    run.amend(value, "misread", value=22.0)
    events = run.refresh().events
    memory = StateFolder(events[0])
    with Spill() as s:
        disk = StateFolder(events[0], s)
        for e in events[1:]:
            memory.add(e)
            disk.add(e)
        out = io.StringIO()
        write_json(out.write, disk.view().fields())
    assert out.getvalue() == json.dumps(memory.state().to_dict(), indent=2, ensure_ascii=False)
    assert memory.state().notes[0].text == "first note, corrected"
