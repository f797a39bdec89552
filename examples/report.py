# A small program for `deno task debug --code examples/report.py`: lists the workspace with the
# filesystem upstream and returns a compact summary.
listing = tools.filesystem.list_directory(path=".")  # relative to the allowed folder
entries = str(listing.get("content", listing) if isinstance(listing, dict) else listing).splitlines()
files = [e for e in entries if e.startswith("[FILE]")]
print(f"{len(files)} files in the workspace")
{"files": len(files), "dirs": sum(e.startswith("[DIR]") for e in entries)}
