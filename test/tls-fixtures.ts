// Certificates made with openssl for a test's own secured broker and registry, and an
// https front for the shared registry that asks for HTTP Basic, as a registry exposed
// beyond one machine is.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

export interface Pki {
  /** PEM file of the CA that signed the broker's, the registry's and the client's certificates. */
  caFile: string
  /** PEM file of a CA that signed nothing here: a wrong KAFKA_SSL_CA_FILE. */
  otherCaFile: string
  /** The broker's key, then its certificate (Kafka's PEM keystore). */
  brokerKeystore: string
  /** A server certificate and key for 127.0.0.1 (the registry front). */
  server: { cert: string, key: string }
  /** A client certificate (CN = `clientName`) and key files, for mTLS. */
  clientCertFile: string
  clientKeyFile: string
}

const openssl = (dir: string, ...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

function ca (dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`)
}

function signed (dir: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', `${name}.key`,
    '-out', `${name}.csr`, '-subj', `/CN=${cn}`)
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-sha256', '-out', `${name}.crt`, '-extfile', `${name}.ext`)
}

/** A CA, a certificate for 127.0.0.1 and localhost, a client certificate, and an unrelated CA. */
export function makePki (dir: string, clientName: string): Pki {
  ca(dir, 'ca')
  ca(dir, 'other-ca')
  signed(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n')
  signed(dir, 'client', clientName, 'extendedKeyUsage=clientAuth\n')
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8')
  const brokerKeystore = join(dir, 'broker-keystore.pem')
  writeFileSync(brokerKeystore, read('server.key') + read('server.crt'))
  return {
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    brokerKeystore,
    server: { cert: read('server.crt'), key: read('server.key') },
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key')
  }
}

/**
 * https://127.0.0.1:<port> in front of `upstream` (a registry URL): requests without the
 * right Basic credentials get 401, the rest are passed on as they are.
 */
export async function basicAuthFront (
  upstream: string, tls: { cert: string, key: string }, user: { username: string, password: string }
): Promise<{ url: string, close: () => Promise<void> }> {
  const up = new URL(upstream)
  const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end()
        return
      }
      const headers: Record<string, string> = {}
      for (const h of ['content-type', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
      fetch(`${up.origin}${req.url ?? '/'}`, { method: req.method, headers, body })
        .then(async (answer) => {
          const type = answer.headers.get('content-type')
          res.writeHead(answer.status, type === null ? {} : { 'content-type': type })
          res.end(Buffer.from(await answer.arrayBuffer()))
        })
        .catch(() => { res.writeHead(502).end() })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}${up.pathname}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
