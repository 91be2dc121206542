"""Demo and benchmark data: the 华信智造集团 company, its customers and its pipeline (`shangji seed`).

A plain package, not an app: `loader.load` is the entry point; `org`, `records` and `deals`
build the rows, `names` holds the Chinese vocabularies.
"""
