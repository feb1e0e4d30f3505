// Configurations the integration tests run the daemon on: small, with every action reachable.

/** Levels a < b < c; files up allowed (≤ 1 MiB) or on ask (PDF), text up allowed (≤ 100 bytes). */
export const testConfig = `
broker:
  askTimeoutSeconds: 300
levels:
  - { id: low, label: Low, colour: "#aa0000", rank: 0 }
  - { id: mid, label: Mid, colour: "#00aa00", rank: 1 }
  - { id: high, label: High, colour: "#0000aa", rank: 2 }
rules:
  - id: text-up
    kind: clipboard
    from: "*"
    to: up
    types: [text/plain]
    maxBytes: 100
    action: allow
    sanitise: plain-text
  - id: html-up
    kind: clipboard
    from: "*"
    to: up
    types: [text/html]
    action: allow
    sanitise: html-to-text
  - id: clipboard-down
    kind: clipboard
    from: "*"
    to: down
    types: ["*/*"]
    action: deny
  - id: pdf-up-ask
    kind: file
    from: "*"
    to: up
    types: [application/pdf]
    action: ask
  - id: images-up
    kind: file
    from: "*"
    to: up
    types: [image/png]
    action: allow
    sanitise: image-reencode
  - id: files-up
    kind: file
    from: "*"
    to: up
    types: ["*/*"]
    maxBytes: 1048576
    action: allow
  - id: files-down-approve
    kind: file
    from: high
    to: down
    types: ["*/*"]
    action: approve
`;
