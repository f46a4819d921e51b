#!/usr/bin/env python3
"""The rules of tools/doc_check.py itself: which blocks it refuses and how it compares a report with a tag.
The checks against tdbraze run in the doc_tagged_examples and wasm_doc_examples tests."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import doc_check  # noqa: E402
import doc_examples  # noqa: E402


def blocks_of(markdown):
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
        f.write(markdown)
    try:
        blocks, problems = doc_check.read_blocks(f.name)
        return blocks, problems + doc_check.link_blocks(blocks)
    finally:
        os.remove(f.name)


def report(*diagnostics):
    return {"report": json.dumps({"ok": True, "diagnostics": [
        {"code": c, "line": l, "column": col} for c, l, col in diagnostics]}), "requests": []}


class Refused(unittest.TestCase):
    def assertRefused(self, markdown, words):
        _, problems = blocks_of(markdown)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn(words, problems[0])

    def test_untagged_data_blocks(self):
        for lang in ("json", "jsonl", "csv", "tsv", "sql"):
            self.assertRefused(f"# A\n\n```{lang}\nx\n```\n", "untagged")

    def test_blocks_that_are_not_data_need_no_tag(self):
        _, problems = blocks_of("# A\n\n```text\nx\n```\n\n```console\n$ true\n```\n\n```sh\nls\n```\n")
        self.assertEqual(problems, [])

    def test_unknown_tag_setting_and_language(self):
        self.assertRefused("```json currants valid\n{}\n```\n", "unknown tag")
        self.assertRefused("```json currents valid cohort-id=x\n{}\n```\n", "take no")
        self.assertRefused("```csv currents valid\na\n```\n", "must be one of")

    def test_an_example_must_say_what_it_gives(self):
        self.assertRefused("```json currents\n{}\n```\n", "needs `valid` or `expect=")
        self.assertRefused("```csv cohort valid\nuser_ids\n```\n", "cohort-id")
        self.assertRefused("```json currents expect=json-syntax@x\n{\n```\n", "cannot read expectation")

    def test_requests_belong_to_a_table_and_inputs_to_a_console(self):
        self.assertRefused("# A\n\n```jsonl requests\n{}\n```\n", "must follow a cohort block")
        self.assertRefused("# A\n\n```csv input\nx\n```\n\n# B\n\n```console\n$ cat x.csv\n```\n", "console block")

    def test_menu_entries_need_both_title_and_id(self):
        self.assertRefused('```json currents valid title="A"\n{}\n```\n', "title= and id=")


class Verdict(unittest.TestCase):
    def block(self, tag):
        blocks, problems = blocks_of(f"```json {tag}\n{{}}\n```\n")
        self.assertEqual(problems, [])
        return blocks[0]

    def test_valid_means_no_diagnostic_of_any_severity(self):
        self.assertEqual(doc_check.verdict(self.block("currents valid"), report()), [])
        self.assertTrue(doc_check.verdict(self.block("currents valid"), report(("duplicate-id", 3, 5))))

    def test_expectations_are_an_exact_list_of_codes_and_lines(self):
        block = self.block("currents expect=duplicate-id@3,duplicate-id@4,bare-event")
        self.assertEqual(doc_check.verdict(block, report(("duplicate-id", 4, 1), ("bare-event", 0, 0),
                                                         ("duplicate-id", 3, 9))), [])
        for wrong in (report(("duplicate-id", 3, 1), ("bare-event", 0, 0)),                       # one missing
                      report(("duplicate-id", 3, 1), ("duplicate-id", 5, 1), ("bare-event", 0, 0)),  # wrong line
                      report(("duplicate-id", 3, 1), ("duplicate-id", 4, 1), ("bare-event", 0, 0),
                             ("unknown-field", 7, 1))):                                          # one more
            self.assertTrue(doc_check.verdict(block, wrong))

    def test_a_column_when_given_must_match(self):
        block = self.block("currents expect=unknown-event-type@4:21")
        self.assertEqual(doc_check.verdict(block, report(("unknown-event-type", 4, 21))), [])
        self.assertTrue(doc_check.verdict(block, report(("unknown-event-type", 4, 20))))


class Mutants(unittest.TestCase):
    def test_every_required_field_of_every_event_is_removed_once(self):
        catalogue = {"events": {"users.behaviors.CustomEvent": {
            "user": {"user_id": {"presence": "required"}},
            "properties": {"name": {"presence": "required"}, "app_id": {"presence": "optional"}}}}}
        event = {"event_type": "users.behaviors.CustomEvent", "id": "e", "time": 1,
                 "user": {"user_id": "u"}, "properties": {"name": "n", "app_id": "a"}}
        block = doc_check.Block("x.md", 1, "json", json.dumps({"events": [event, event]}))
        names = [what for what, _ in doc_check.mutants(block, catalogue)]
        self.assertEqual(len(names), 14)  # 2 events x (5 members + user.user_id + properties.name)
        self.assertIn("event 2 without properties.name", names)
        self.assertNotIn("event 1 without properties.app_id", names)
        def keys(v):
            if isinstance(v, dict):
                return len(v) + sum(keys(x) for x in v.values())
            return sum(keys(x) for x in v) if isinstance(v, list) else 0
        whole = keys({"events": [event, event]})
        for what, body in doc_check.mutants(block, catalogue):
            # One field fewer, and with a whole member, everything inside it.
            member = what.rsplit(" ", 1)[1]
            lost = 1 + (keys(event[member]) if member in ("user", "properties") else 0)
            self.assertEqual(keys(json.loads(body)), whole - lost, what)
    def test_a_cohort_table_loses_its_id_and_then_its_identifier_columns(self):
        blocks, problems = blocks_of("```csv cohort valid cohort-id=spring alias=email\n"
                                     "user_ids,segment,email\nu-1,vip,\"a@x, b\"\n```\n")
        self.assertEqual(problems, [])
        (what1, no_id), (what2, no_columns) = doc_check.cohort_mutants(blocks[0])
        self.assertEqual(no_id.settings["cohort-id"], "")
        self.assertEqual(no_id.body, blocks[0].body)
        self.assertEqual(no_columns.settings, blocks[0].settings)
        self.assertEqual(no_columns.body, "segment\nvip\n")
        blocks, _ = blocks_of("```csv cohort valid cohort-id=spring\ndevice_ids\nd-1\nd-2\n```\n")
        self.assertEqual(doc_check.cohort_mutants(blocks[0])[1][1].body, "segment\nvip\nvip\n")


class ConsoleOutput(unittest.TestCase):
    def test_a_number_placeholder_matches_numbers_only(self):
        documented = ["$ tdbraze sync", "  time: table checked in {n} s, 2 requests in {n} s ({n} requests/s)"]
        same = doc_examples.same_output
        self.assertTrue(same(documented, ["$ tdbraze sync",
                                          "  time: table checked in 0.01 s, 2 requests in 0.00 s (2,055 requests/s)"]))
        self.assertFalse(same(documented, ["$ tdbraze sync",
                                           "  time: table checked in 0.01 s, 3 requests in 0.00 s (2055 requests/s)"]))
        self.assertFalse(same(documented, ["$ tdbraze sync", "  time: table checked in s, 2 requests in 1 s (1 requests/s)"]))
        self.assertFalse(same(documented, documented[:1]))
        self.assertFalse(same(["2 rows"], ["3 rows"]))  # without a placeholder, exactly


if __name__ == "__main__":
    unittest.main()
