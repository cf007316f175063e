import assert from "node:assert/strict";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const SRC = path.join(ROOT, "src") + path.sep;

/**
 * Every type of ours that a public signature mentions (component args, outputs, function parameters and results) is
 * exported from the package root, so consumers can name it: `const size: Size = "M"`.
 */
describe("the package's public types", () => {
  it("every type of ours used in an exported signature is itself exported from cloudworkstation", () => {
    const program = ts.createProgram([path.join(ROOT, "src", "index.ts")], {
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      types: ["node"],
    });
    const checker = program.getTypeChecker();
    const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, "src", "index.ts"))!)!;
    const exported = new Set(
      checker.getExportsOfModule(index).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)),
    );
    const missing = new Map<string, string>();
    const seen = new Set<ts.Node>();

    // Walks the written type annotations of a public declaration; names declared under src/ must be exported.
    function visit(node: ts.Node, where: string): void {
      if (seen.has(node)) return;
      seen.add(node);
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
        let symbol = checker.getSymbolAtLocation(name);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const declaration = symbol?.declarations?.[0];
        if (
          symbol &&
          declaration &&
          declaration.getSourceFile().fileName.startsWith(SRC) &&
          !ts.isTypeParameterDeclaration(declaration)
        ) {
          if (!exported.has(symbol)) missing.set(symbol.name, where);
          visitDeclaration(declaration, `${symbol.name} (from ${where})`);
        }
      }
      ts.forEachChild(node, (child) => visit(child, where));
    }
    function visitDeclaration(declaration: ts.Node, where: string): void {
      if (ts.isClassDeclaration(declaration)) {
        for (const member of declaration.members) {
          const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
          if (
            modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)
          )
            continue;
          if (ts.isPropertyDeclaration(member) && member.type) visit(member.type, where);
          if (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member)) {
            for (const parameter of member.parameters) if (parameter.type) visit(parameter.type, where);
            if (ts.isMethodDeclaration(member) && member.type) visit(member.type, where);
          }
        }
      } else if (ts.isFunctionDeclaration(declaration)) {
        for (const parameter of declaration.parameters) if (parameter.type) visit(parameter.type, where);
        if (declaration.type) visit(declaration.type, where);
      } else if (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration)) {
        visit(declaration, where);
      }
    }
    for (const symbol of exported) {
      for (const declaration of symbol.declarations ?? []) {
        if (declaration.getSourceFile().fileName.startsWith(SRC)) visitDeclaration(declaration, symbol.name);
      }
    }
    assert.deepEqual(
      [...missing].map(([name, where]) => `${name} (used by ${where})`),
      [],
      "export these from src/index.ts",
    );
  });
});
