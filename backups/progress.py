"""Progress of a backup or restore on a terminal: one line per stage, redrawn in place."""

import time

LABELS = {
    "database": "database",
    "media": "media files",
    "upload": "uploading",
    "download": "downloading",
    "verify": "checking checksums",
}


class Progress:
    """Callable (stage, done, total); writes only when `stream` is a terminal."""

    def __init__(self, stream, *, every=0.2):
        self.stream = stream
        self.every = every
        self.enabled = stream.isatty()
        self.stage = None
        self.last = 0.0

    def __call__(self, stage, done, total):
        if not self.enabled:
            return
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.last < self.every:
            return
        if stage != self.stage and self.stage is not None:
            self.stream.write("\n", ending="")
        self.stage, self.last = stage, now
        self.stream.write(f"\r{LABELS.get(stage, stage)}: {done}/{total}", ending="")
        self.stream.flush()

    def close(self):
        if self.enabled and self.stage is not None:
            self.stream.write("\n", ending="")
