"""run.report(..., pdfa=True): a PDF/A-3b file with the run record attached as JSON."""
import io
import json
import re

from pypdf import PdfReader

import protocol_kit as pk
from protocol_kit.records import Store


def test_pdfa_report_declares_pdfa3b_and_carries_the_record(tmp_path):
    with Store(tmp_path / "runs.db") as store:
        p = pk.ReuptakeInhibition(top_conc="1 uM")
        run = p.start_run(operator="A. Smith", store=store)
        run.attach_data(p.simulate(seed=5), name="plate.csv")
        run.analyse()
        head, n = run.head, run.state.n_events
        out = run.report(tmp_path / "r.pdf", pdfa=True)
        reader = PdfReader(io.BytesIO(out.read_bytes()))
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="B"', xmp)
        assert "/OutputIntents" in root
        # the attachment: the run record as it stood when rendered, linked as the report's source
        name = f"{run.id}-record.json"
        assert list(reader.attachments) == [name]
        record = json.loads(reader.attachments[name][0])
        assert record["head"] == head and len(record["events"]) == n
        assert record["events"][-1]["hash"] == head and record["run"]["run_id"] == run.id
        assert [e["type"] for e in record["events"]][-1] == "analysis_recorded"
        spec = root["/AF"][0].get_object()
        assert spec["/AFRelationship"] == "/Source" and spec["/F"] == name
        # and the report itself was stored, after the head it carries
        assert run.reports[-1].name == "r.pdf" and run.events[-1].prev_hash == head
