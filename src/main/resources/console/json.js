// Exact JSON: record keys and values are shown as the server sent them. JSON.parse would turn
// 12345678901234567890 into 12345678901234567000 and 12.50 into 12.5, so values are never parsed into
// numbers for display: the scanner below finds where each value lies in the raw text, and the indenter
// re-spaces that text, copying every string and number token verbatim.

/** A parsed value's place in the text: {kind, start, end, members|items}. Throws SyntaxError on bad JSON. */
export function scan(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (what) => { throw new SyntaxError(`${what} at character ${i + 1}`); };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return {kind: 'string', start, end: i};
  };
  const value = () => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++; const members = []; ws();
      if (text[i] === '}') { i++; return {kind: 'object', start, end: i, members}; }
      for (;;) {
        ws(); if (text[i] !== '"') fail('expected a member name');
        const name = string(); ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        members.push([JSON.parse(text.slice(name.start, name.end)), value()]);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return {kind: 'object', start, end: i, members}; }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++; const items = []; ws();
      if (text[i] === ']') { i++; return {kind: 'array', start, end: i, items}; }
      for (;;) {
        items.push(value()); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return {kind: 'array', start, end: i, items}; }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected ' + (c === undefined ? 'end of text' : JSON.stringify(c)));
    i += m[0].length;
    return {kind: 'scalar', start, end: i};
  };
  const root = value();
  ws();
  if (i !== text.length) fail('unexpected text after the value');
  return root;
}

/** The member {@code name} of an object node, or undefined. */
export function member(node, name) {
  const found = node && node.kind === 'object' ? node.members.find(([n]) => n === name) : undefined;
  return found ? found[1] : undefined;
}

/** The raw text of a node. */
export function raw(text, node) {
  return node ? text.slice(node.start, node.end) : undefined;
}

/** Indents JSON text two spaces a level; strings and numbers are copied character for character. */
export function pretty(text) {
  let out = '';
  let depth = 0;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
      out += text.slice(start, i + 1);
    } else if (c === '{' || c === '[') {
      let j = i + 1;
      while (j < text.length && ' \t\r\n'.includes(text[j])) j++;
      if (text[j] === '}' || text[j] === ']') { out += c + text[j]; i = j; continue; }
      depth++;
      out += c + newline();
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!' \t\r\n'.includes(c)) {
      out += c;
    }
  }
  return out;
}

/** A JSON string value's text without quotes, for compact display of string keys; other values as they are. */
export function display(text) {
  if (text === undefined) return '';
  return text.startsWith('"') ? JSON.parse(text) : text;
}
