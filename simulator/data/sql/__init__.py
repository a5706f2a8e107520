"""Customer tables checked and aggregated in SQL to :class:`simulator.data.counts.CustomerCounts`.

Modules, each importing only those above it:

* :mod:`.dialect`: how DuckDB and PostgreSQL spell the SQL; number and date patterns;
* :mod:`.sessions`: a DuckDB connection, and a session over a source opened in an engine;
* :mod:`.csv_files`: a CSV file judged on its head, read by pyarrow or streamed by DuckDB;
* :mod:`.sources`: what can be read (:class:`.sources.SqlSource` and the others), opening it,
  its first rows (:func:`.sources.sample_rows`, :func:`.sources.source_name`);
* :mod:`.plan`: the typed relation of the mapped roles;
* :mod:`.checks`: the problems records.validate finds (:func:`.checks.check_source`);
* :mod:`.counting`: the counts (:func:`.counting.count_source`,
  :func:`.counting.check_and_count`, :func:`.counting.sample_and_count`).

Import rule: part of :mod:`simulator.data`; modules here may import the rest of
:mod:`simulator.data` and :mod:`simulator.model`, never :mod:`simulator.decisions`. DuckDB,
pyarrow and SQLAlchemy are imported where a source is read, not with the modules, so that
importing them costs no more than pandas.

One SQL formulation of "mapped customer table -> counts" runs in two engines:

* **DuckDB** (in memory, two threads, a memory limit with spilling to a temporary directory)
  over a CSV/TSV file, a Parquet file, or a pandas DataFrame. A CSV file's first megabyte is
  judged first as :func:`simulator.data.tables.read_table` judges a whole file (empty, binary,
  not a table, its delimiter and header: :func:`.csv_files.read_head`). A CSV up to
  :data:`.sources.FAST_CSV_BYTES` is read once by pyarrow in that dialect, only the
  mapped columns, keeping pyarrow's type where it suits the role (numbers for number roles,
  dates for date roles) and re-reading any other column as text for the tolerant path below;
  larger CSVs are streamed by DuckDB with every cell read as text, like
  :func:`simulator.data.tables.read_table`. The first rows of a CSV
  (:func:`.sources.sample_rows`) are read as text by pyarrow's streaming reader in the same
  dialect (DuckDB reads them when pyarrow cannot, and says what is wrong);
* **a SQL database** through SQLAlchemy (:class:`.sources.SqlSource`: a URL and a table or a
  SELECT query), where the database does the grouping; tested on PostgreSQL.

Only the mapped columns are read and memory stays bounded by the number of distinct groups.
The semantics are those of :func:`simulator.data.records.validate`,
:func:`simulator.data.records.customer_records` and :func:`simulator.data.counts.count_records`:
:func:`.checks.check_source` returns the same problems (same column, message, fix and severity)
and :func:`.counting.count_source` the same counts, flows and as-of month, for the same rows.

Differences, documented:

* row numbers of problems (header = row 1) are given for files and DataFrames; a database
  table has no row order, so its problems have ``rows == ()``;
* dates as text are read in ISO form (``2024-03-31``, ``2024/03/31``, ``20240331``, with an
  optional time ``T10:00:00``) and in the other formats of :func:`simulator.data.mapping.to_date`
  (``31/03/2024``, ``03/31/2024``, ``31.03.2024``, ``31-03-2024``), the format parsing the
  most cells winning as there; anything else (year-month only, time-zone offsets) is reported
  as "not a date" for its column;
* numbers as text are read like :func:`simulator.data.mapping.to_number` (currency signs, spaces,
  thousands separators, decimal commas); where the regular expressions read them (databases,
  and columns DuckDB's casts cannot read) ``inf`` spelled out counts as not a number;
* DuckDB strips spaces around text cells (not tabs or no-break spaces, as pandas would);
  its own casts read plain numbers and ISO dates (a cell they cannot read sends its column
  through the regular expressions), so spellings such as ``1_000`` or ``02024-01-31`` that
  DuckDB accepts and pandas does not count as numbers and dates;
* CSV files must be UTF-8 and split by a comma, semicolon, tab or pipe (read_table also
  decodes UTF-16 and cp1252 and splits on runs of spaces: such files are refused here with a
  message saying so); a row with fewer fields than the header is refused (read_table pads it
  with missing cells), as is a file whose quote characters do not pair up; a file with blank
  lines inside the data may get row numbers that differ from the spreadsheet's
  (``tests/test_bad_files_large.py`` lists each difference on the catalogue of awkward files);
* databases: PostgreSQL only (SQLAlchemy URL ``postgresql+psycopg://``); the grouping runs in
  the database, only the groups come back.

Each call opens its own in-memory DuckDB connection (:data:`.sessions.THREADS` threads,
:data:`.sessions.MEMORY_LIMIT`, spilling to a temporary directory removed afterwards; one for
both reads of :func:`.counting.sample_and_count`, which reads a CSV's dialect once) and passes
over the source a few times: one for the checks (by segment), one for duplicate ids (hashes
first), one for the counts and flows together (grouping sets).
"""
