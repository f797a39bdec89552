# A small program for `deno task debug --code examples/report.py`: writes a note with the
# filesystem server (paths are relative to the workspace folder), records it in the memory server's
# knowledge graph, then returns a compact report of both.
from datetime import datetime, timezone

stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
tools.filesystem.write_file(path="hello.txt", content=f"Hello from code mode, {stamp}\n")
tools.memory.create_entities(entities=[
    {"name": "hello.txt", "entityType": "file", "observations": [f"written at {stamp}"]},
])

listing = tools.filesystem.list_directory(path=".")
text = listing.get("content", "") if isinstance(listing, dict) else str(listing)
files = sorted(line.removeprefix("[FILE] ") for line in text.splitlines() if line.startswith("[FILE]"))
graph = tools.memory.read_graph()
print(f"{len(files)} files in the workspace: {', '.join(files)}")
{"files": len(files), "entities": len(graph["entities"]), "note": "hello.txt" in files}
