"""Log pruning keeps the newest runs' logs, whatever the clock said when older ones were written."""

import os
import time

from runner.config.project import Project
from runner.sync import logs


def test_new_logs_survive_logs_written_while_the_clock_was_ahead(tmp_path):
    project = Project(tmp_path)
    folder = project.logs_dir / "shop"
    folder.mkdir(parents=True)
    tomorrow = time.time() + 86_400
    for i in range(logs.KEPT_PER_SOURCE):  # written by an older version while the clock was a day ahead
        ahead = folder / f"20991231-0000{i:02d}-abcdef.log"
        ahead.write_text("old\n")
        os.utime(ahead, (tomorrow + i, tomorrow + i))
    previous = None
    for _ in range(3):
        with logs.open_log(project, "shop") as log:
            log.write("new\n")
        assert previous is None or previous.exists(), "the last run's log was pruned"
        previous = folder / os.path.basename(log.name)
        assert len(list(folder.glob("*.log"))) == logs.KEPT_PER_SOURCE
