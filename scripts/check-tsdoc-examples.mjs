#!/usr/bin/env node
// `npm run lint:docs`: fails (exit 1) when a public symbol has no `@example` in its TSDoc, and
// names each one. "Public" is what typedoc documents from typedoc.json's entry points (the
// package's "exports": src/index.ts, src/server/index.ts): exported classes, functions,
// interfaces, type aliases, variables and enums, plus the public methods and accessors a class
// declares itself (inherited ones are checked where they are declared; an override needs its own).
// It runs typedoc's converter in process (no output written), so @internal, private and excluded
// symbols are skipped exactly as in the generated docs.
import { Application, ReflectionKind, TSConfigReader, TypeDocReader } from 'typedoc';

const TOP_LEVEL =
  ReflectionKind.Class |
  ReflectionKind.Function |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Variable |
  ReflectionKind.Enum;
const CLASS_MEMBER = ReflectionKind.Method | ReflectionKind.Accessor;

const app = await Application.bootstrapWithPlugins({}, [new TypeDocReader(), new TSConfigReader()]);
const project = await app.convert();
if (!project || app.logger.hasErrors()) {
  console.error('check-tsdoc-examples: typedoc could not convert the project (see above)');
  process.exit(2);
}

/** The comments that can carry a declaration's `@example`: its own and its signatures'. */
function comments(r) {
  const sigs = [...(r.signatures ?? []), r.getSignature, r.setSignature].filter(Boolean);
  return [r.comment, ...sigs.map((s) => s.comment)].filter(Boolean);
}
const hasExample = (r) => comments(r).some((c) => c.getTag('@example'));

const missing = [];
let checked = 0;
const check = (r) => {
  checked++;
  if (!hasExample(r)) missing.push(`${ReflectionKind.singularString(r.kind)} ${r.getFriendlyFullName()}`);
};
for (const r of project.getReflectionsByKind(TOP_LEVEL)) {
  // Object-literal members and the like are reflections too; only module-level exports count.
  if (!r.parent?.kindOf(ReflectionKind.Project | ReflectionKind.Module)) continue;
  check(r);
  if (!r.kindOf(ReflectionKind.Class)) continue;
  for (const m of r.children ?? []) {
    if (!m.kindOf(CLASS_MEMBER) || m.inheritedFrom || m.flags.isPrivate || m.flags.isProtected) continue;
    check(m);
  }
}

if (missing.length > 0) {
  console.error(`${missing.length} of ${checked} public symbols have no @example:`);
  for (const m of missing.sort()) console.error(`  ${m}`);
  process.exit(1);
}
console.log(`all ${checked} public symbols have an @example`);
