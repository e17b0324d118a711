"""Developer tools of the project, kept out of the shipped bedrock_costs package.

- athena_double: the offline Athena grammar gate and a moto-backed Athena/Glue double (imports
  moto, sqlglot and the Trino parsers, which the package does not depend on);
- docs_coverage: `make docs` checks that every model, column, macro and test is described;
- bench: `make bench`, the speed and memory benchmark that appends to BENCHMARKS.md.

`make test`, `make docs` and `make bench` put tools/ on the Python path.
"""
