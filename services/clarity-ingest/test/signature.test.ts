// Clarity-Signature: which headers let a webhook body in, and the one word said about the rest.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readSignature, signedBy, verifySignature, type Verdict } from '../src/signature.ts'

const NOW = 1795774500
const body = Buffer.from('{"id":"evt_1","type":"order.created"}')
const sign = (secret: string, t: number | string, raw: Buffer = body): string => createHmac('sha256', secret).update(`${t}.`).update(raw).digest('hex')
const good = sign('s3cret', NOW)
const other = sign('another', NOW)

describe('verifySignature', () => {
  it.each<[string, string | undefined, Verdict]>([
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['a signature by the secret', `t=${NOW},v1=${good}`, 'ok'],
    ['the parts in another order', `v1=${good},t=${NOW}`, 'ok'],
    ['spaces around the parts', ` t=${NOW} , v1=${good} `, 'ok'],
    ['upper-case hex', `t=${NOW},v1=${good.toUpperCase()}`, 'ok'],
    ['two v1 during a rotation, the second by our secret', `t=${NOW},v1=${other},v1=${good}`, 'ok'],
    ['two v1, the first by our secret', `t=${NOW},v1=${good},v1=${other}`, 'ok'],
    ['parts it does not know beside them', `t=${NOW},v0=abc,v1=${good}`, 'ok'],
    ['a signature by another secret', `t=${NOW},v1=${other}`, 'mismatch'],
    ['a signature of another time', `t=${NOW - 1},v1=${good}`, 'mismatch'],
    ['no t', `v1=${good}`, 'malformed'],
    ['no t, but another part with its digits', `v1=${good},ts=${NOW}`, 'malformed'],
    ['no v1', `t=${NOW}`, 'malformed'],
    ['t without a value', `t,v1=${good}`, 'malformed'],
    ['v1 without a value', `t=${NOW},v1`, 'malformed'],
    ['a t that is not a number', `t=soon,v1=${good}`, 'malformed'],
    ['a t with a sign', `t=+${NOW},v1=${good}`, 'malformed'],
    ['a t with something after the digits', `t=${NOW}x,v1=${good}`, 'malformed'],
    ['a t with something before the digits', `t=x${NOW},v1=${good}`, 'malformed'],
    ['a v1 one hex digit short', `t=${NOW},v1=${good.slice(1)}`, 'malformed'],
    ['a v1 with a byte more', `t=${NOW},v1=${good}00`, 'malformed'],
    ['a v1 with something before the hex', `t=${NOW},v1=x${good}`, 'malformed'],
    ['a v1 that is not hex', `t=${NOW},v1=${'g'.repeat(64)}`, 'malformed'],
    ['a v1 with a space inside', `t=${NOW},v1=${good.slice(0, 32)} ${good.slice(33)}`, 'malformed'],
    ['a v1 called otherwise', `t=${NOW},v2=${good}`, 'malformed']
  ])('%s: %s', (_, header, verdict) => {
    expect(verifySignature(header, body, ['s3cret'], NOW)).toBe(verdict)
  })

  it('signs the raw bytes: the same JSON written otherwise does not match', () => {
    expect(verifySignature(`t=${NOW},v1=${good}`, Buffer.from('{"id": "evt_1", "type": "order.created"}'), ['s3cret'], NOW)).toBe('mismatch')
    expect(verifySignature(`t=${NOW},v1=${sign('s3cret', NOW, Buffer.from('é'))}`, Buffer.from('é'), ['s3cret'], NOW)).toBe('ok')
  })

  it('takes any of the secrets held during a rotation, and none when none is held', () => {
    expect(verifySignature(`t=${NOW},v1=${good}`, body, ['old', 's3cret'], NOW)).toBe('ok')
    expect(verifySignature(`t=${NOW},v1=${good}`, body, ['s3cret', 'old'], NOW)).toBe('ok')
    expect(verifySignature(`t=${NOW},v1=${good}`, body, ['old', 'older'], NOW)).toBe('mismatch')
    expect(verifySignature(`t=${NOW},v1=${good}`, body, [], NOW)).toBe('mismatch')
  })

  // A replayed delivery is refused by its age before any HMAC is worked out.
  it.each<[string, number, number | undefined, Verdict]>([
    ['signed 300 s ago, the default tolerance', NOW - 300, undefined, 'ok'],
    ['signed 301 s ago', NOW - 301, undefined, 'stale'],
    ['signed 300 s ahead (a clock ahead of ours)', NOW + 300, undefined, 'ok'],
    ['signed 301 s ahead', NOW + 301, undefined, 'stale'],
    ['signed 60 s ago, 60 s tolerated', NOW - 60, 60, 'ok'],
    ['signed 61 s ago, 60 s tolerated', NOW - 61, 60, 'stale'],
    ['signed 61 s ahead, 60 s tolerated', NOW + 61, 60, 'stale']
  ])('%s: %s', (_, t, tolerance, verdict) => {
    expect(verifySignature(`t=${t},v1=${sign('s3cret', t)}`, body, ['s3cret'], NOW, tolerance)).toBe(verdict)
  })

  it('says stale, not mismatch, for an old delivery signed by another secret', () => {
    expect(verifySignature(`t=${NOW - 3600},v1=${other}`, body, ['s3cret'], NOW)).toBe('stale')
  })
})

// What the route uses: the header judged before the body is read, the HMAC over the body as it arrives.
describe('readSignature and signedBy', () => {
  it('reads the time and every v1 of a header of the right form and age, without a body', () => {
    expect(readSignature(`t=${NOW},v1=${good},v1=${other}`, NOW)).toEqual({ t: NOW, sigs: [Buffer.from(good, 'hex'), Buffer.from(other, 'hex')] })
    expect(readSignature(undefined, NOW)).toBe('missing')
    expect(readSignature(`t=${NOW}`, NOW)).toBe('malformed')
    expect(readSignature(`t=${NOW - 301},v1=${good}`, NOW)).toBe('stale')
    expect(readSignature(`t=${NOW - 61},v1=${good}`, NOW, 60)).toBe('stale')
  })

  it('matches a body given in parts as it does whole, and not a body cut short', () => {
    const s = readSignature(`t=${NOW},v1=${good}`, NOW)
    if (typeof s === 'string') throw new Error(s)
    const inParts = signedBy(s, ['s3cret'])
    for (let i = 0; i < body.length; i += 7) inParts.update(body.subarray(i, i + 7))
    expect(inParts.matches()).toBe(true)
    const short = signedBy(s, ['s3cret'])
    short.update(body.subarray(0, body.length - 1))
    expect(short.matches()).toBe(false)
    const rotating = signedBy(s, ['old', 's3cret'])
    rotating.update(body)
    expect(rotating.matches()).toBe(true)
  })
})
