"""The object store port and its adapters: local files and S3 with object lock."""
