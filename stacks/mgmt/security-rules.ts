// Moved to stacks/constructs/security-rules.ts (issue 11); kept only until jenkins-server.ts imports from there.
export { allowTcpIn, allowTcpOut, type TcpRuleProps } from "../constructs/security-rules";
