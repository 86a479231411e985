/** terraformRoles in environments/common.yaml: the roles bootstrap-state lets at the state, refused at pnpm vars when unusable. */
import { describe, expect, it } from "vitest";
import { loadVars } from "../../config/load";
import { editFile, environmentsCopy } from "../support/identity";

const withRoles = (roles: string) =>
  environmentsCopy((dir) =>
    editFile(dir, "common.yaml", (text) =>
      text.replace(/^terraformRoles:\n( {2}- .*\n)+/m, roles === "" ? "" : `terraformRoles:\n${roles}`),
    ),
  );
const problemsOf = (dir: string) => {
  try {
    loadVars(dir);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

describe("terraformRoles: who besides the plan role may read and write the state", () => {
  it("takes role names with their IAM path and `*` within a name", () => {
    const vars = loadVars(
      withRoles("  - terraform-apply\n  - aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*\n"),
    );
    expect(vars.terraformRoles).toEqual(["terraform-apply", "aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"]);
  });

  it("is required: without it nobody could apply, and pnpm vars says so", () => {
    expect(problemsOf(withRoles(""))).toMatch(/common\.yaml.*terraformRoles/s);
  });

  it("refuses a bare `*` (every role of the account) and a name IAM cannot have, naming the key and the fix", () => {
    expect(problemsOf(withRoles('  - "*"\n'))).toMatch(/terraformRoles.*at least 3 literal characters/s);
    expect(problemsOf(withRoles("  - role with spaces\n"))).toMatch(/terraformRoles.*use an IAM role name/s);
  });
});
