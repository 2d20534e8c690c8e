#!/usr/bin/env python3
"""Scores many parsed playbooks in one process with shared/plays/score.py.

usage: score_layouts.py PLAYS_DIR MANIFEST
MANIFEST holds one `TAG<TAB>TRUTH.json<TAB>PARSED.json` per line; prints one JSON object per line:
{"tag": ..., "score": ..., "components": {...}}.
"""
import importlib.util
import json
import os
import sys


def main(argv):
    plays, manifest = argv[1], argv[2]
    spec = importlib.util.spec_from_file_location("score", os.path.join(plays, "score.py"))
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    truths = {}
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            tag, truth_path, parsed_path = line.split("\t")
            if truth_path not in truths:
                with open(truth_path, encoding="utf-8") as t:
                    truths[truth_path] = json.load(t)
            with open(parsed_path, encoding="utf-8") as p:
                parsed = json.load(p)
            r = score.score(truths[truth_path], parsed)
            ident = r.get("identity", {})
            print(json.dumps({"tag": tag, "score": r["score"], "components": r["components"],
                              "title": r["title"]["parsed"],
                              "speeches": r["speech_count"]["parsed"],
                              "unmatched": r["characters"]["unmatched_parsed"][:5],
                              "missing": r["characters"]["missing"][:5],
                              "unresolved": list(ident.get("unresolved_labels", {}))[:5],
                              "merged": [m["entry"] for m in ident.get("merged", [])][:5],
                              "split": [m["truth"] for m in ident.get("split", [])][:5],
                              "wrong": [[w["truth"], w["parsed"], w["incipit"]]
                                        for w in r.get("attribution", {}).get("examples_wrong", [])][:3]},
                             ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
