/**
 * A strict reader for the YAML subset docs/alerts.yml is written in (no YAML parser is a
 * dependency of this workspace): block maps and lists, `#` comment lines, plain and
 * quoted one-line scalars. Anything else (tabs, flow collections, anchors, multi-line
 * scalars, bad indentation, a duplicate key) throws with the line number, so a rule
 * file this accepts is also valid YAML with the same meaning.
 */
type Value = string | Value[] | { [key: string]: Value };

interface Line {
  no: number;
  indent: number;
  text: string;
}

export function parseYamlSubset(source: string): Value {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tabs are not allowed`);
    const text = raw.trimEnd();
    const trimmed = text.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    lines.push({ no: i + 1, indent: text.length - trimmed.length, text: trimmed });
  });
  let pos = 0;

  function scalar(raw: string, no: number): string {
    if (raw.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(raw)) throw new Error(`line ${no}: bad double-quoted string`);
      return JSON.parse(raw) as string;
    }
    if (raw.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(raw)) throw new Error(`line ${no}: bad single-quoted string`);
      return raw.slice(1, -1).replace(/''/g, "'");
    }
    if (/^[[{&*!|>%@`]/.test(raw) || / #/.test(raw) || /: /.test(raw)) throw new Error(`line ${no}: unsupported plain scalar ${JSON.stringify(raw)}`);
    return raw;
  }

  function block(indent: number): Value {
    const first = lines[pos];
    if (!first || first.indent !== indent) throw new Error(`line ${first?.no ?? 'end'}: expected a block at indent ${indent}`);
    return first.text.startsWith('- ') || first.text === '-' ? list(indent) : map(indent);
  }

  function list(indent: number): Value[] {
    const out: Value[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith('- ')) {
      const line = lines[pos]!;
      const rest = line.text.slice(2);
      if (/^[A-Za-z_][\w.-]*:( |$)/.test(rest)) {
        // "- key: value" opens a map whose keys sit at indent + 2
        lines[pos] = { no: line.no, indent: indent + 2, text: rest };
        out.push(map(indent + 2));
      } else {
        pos++;
        out.push(scalar(rest, line.no));
      }
    }
    return out;
  }

  function map(indent: number): { [key: string]: Value } {
    const out: { [key: string]: Value } = {};
    while (pos < lines.length && lines[pos]!.indent === indent && !lines[pos]!.text.startsWith('- ')) {
      const line = lines[pos]!;
      const m = /^([A-Za-z_][\w.-]*):(?: (.*))?$/.exec(line.text);
      if (!m) throw new Error(`line ${line.no}: expected "key: value"`);
      const key = m[1]!;
      if (key in out) throw new Error(`line ${line.no}: duplicate key ${key}`);
      pos++;
      if (m[2] !== undefined && m[2] !== '') out[key] = scalar(m[2], line.no);
      else {
        const next = lines[pos];
        if (!next || next.indent < indent || (next.indent === indent && !next.text.startsWith('- '))) throw new Error(`line ${line.no}: ${key} has no value`);
        out[key] = block(next.indent);
      }
    }
    if (pos < lines.length && lines[pos]!.indent > indent) throw new Error(`line ${lines[pos]!.no}: unexpected indentation`);
    return out;
  }

  const doc = block(0);
  if (pos < lines.length) throw new Error(`line ${lines[pos]!.no}: unexpected content`);
  return doc;
}
