"""The task queue's SQLite storage (the single-machine setup; Redis replaces it on larger sites)."""

from huey.storage import SqliteStorage


class QueueStorage(SqliteStorage):
    """WAL with synchronous=NORMAL instead of FULL: a commit no longer waits for the disk, so web processes
    enqueueing and workers dequeueing stop queueing behind each other's fsyncs. An application crash loses
    nothing; a power cut may lose the last tasks, which the minute sweeps redo from the database (every task
    is re-derivable: new leads, undelivered events, due deliveries and timers are rows, see ADR 0002)."""

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection
