"""Run Ralph's LRS (filesystem backend) in Ralph's own virtual environment: ``python ralph_lrs.py HOST PORT``.

Ralph's filesystem backend is its development backend: it writes the
statements of a target into one file, created by the first POST, and refuses
the next POST because that file exists (``operation_type`` CREATE, ralph-malph
up to 5.1.0 at least). Production LRSs use Elasticsearch, MongoDB or
ClickHouse. Here the backend appends instead, so that the tests can POST many
batches; everything else (validation, deduplication of statement ids, reading
back) is Ralph's own code.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.fs import FSDataBackend

FSDataBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), access_log=False)
