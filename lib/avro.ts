// avsc types with the logical types the bridge uses. Money is an Avro `decimal`
// carried in JS as a plain decimal string ("62.33"), so no amount ever passes
// through binary floating point.
import avro from 'avsc'
// avsc's string reader and writer, patched before any type is made.
import '../patches/avsc.ts'
import type { Tap } from '../patches/avsc.ts'

const { Type, types } = avro
const generic = types.LogicalType.prototype as unknown as {
  _read: (tap: Tap) => unknown
  _write: (tap: Tap, val: unknown) => void
}
export type AvroType = avro.Type

class DecimalType extends types.LogicalType {
  private readonly scale: number
  private readonly precision: number
  /** 10^precision: a plain-number amount this large has more digits than the type holds. */
  private readonly limit: number
  private readonly bytes: boolean

  constructor (schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts)
    const attrs = schema as unknown as { scale?: number, precision: number }
    this.scale = attrs.scale ?? 0
    this.precision = attrs.precision
    this.limit = 10 ** attrs.precision
    this.bytes = this.underlyingType.typeName === 'bytes'
  }

  override _fromValue (buf: Buffer): string {
    // Up to 6 bytes (±1.4e14 unscaled) is exact in a double; larger takes BigInt.
    if (buf.length > 0 && buf.length <= 6) return formatUnscaledNumber(buf.readIntBE(0, buf.length), this.scale)
    let n = 0n
    for (const byte of buf) n = (n << 8n) | BigInt(byte)
    if (buf.length > 0 && (buf[0]! & 0x80) !== 0) n -= 1n << BigInt(buf.length * 8)
    return formatUnscaled(n, this.scale)
  }

  override _toValue (val: unknown): Buffer {
    const small = toUnscaledNumber(val, this.scale)
    if (small !== undefined && Math.abs(small) < this.limit) {
      const b = Buffer.allocUnsafe(bytesFor(small))
      writeSmall(b, 0, b.length, small)
      return b
    }
    const n = toUnscaled(val, this.scale)
    if (n.toString().replace('-', '').length > this.precision) {
      throw new Error(`${String(val)} exceeds decimal(${this.precision},${this.scale})`)
    }
    const bytes: number[] = []
    let v = n
    do {
      bytes.unshift(Number(v & 0xffn))
      v >>= 8n
    } while (!(v === 0n && (bytes[0]! & 0x80) === 0) && !(v === -1n && (bytes[0]! & 0x80) !== 0))
    return Buffer.from(bytes)
  }

  // Straight from and into the tap: the generic path makes a Buffer per amount each way,
  // and an order carries a dozen amounts. Only `bytes` decimals, which the schemas use.
  _read (tap: Tap): string | undefined {
    if (!this.bytes) return generic._read.call(this, tap) as string
    const len = tap.readLong()
    const pos = tap.pos
    tap.pos += len
    if (len < 0) tap.pos = tap.buf.length + 1
    if (tap.pos > tap.buf.length) return undefined
    if (len > 0 && len <= 6) return formatUnscaledNumber(tap.buf.readIntBE(pos, len), this.scale)
    return this._fromValue(tap.buf.subarray(pos, pos + len))
  }

  _write (tap: Tap, val: unknown): void {
    const small = this.bytes ? toUnscaledNumber(val, this.scale) : undefined
    // Past its precision it goes the generic way, which refuses it.
    if (small === undefined || Math.abs(small) >= this.limit) { generic._write.call(this, tap, val); return }
    const k = bytesFor(small)
    tap.writeLong(k)
    const pos = tap.pos
    tap.pos += k
    // Out of room: avsc sizes a buffer from pos and writes the value again.
    if (tap.pos > tap.buf.length) return
    writeSmall(tap.buf, pos, k, small)
  }

  override _resolve (type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (type instanceof DecimalType && type.scale === this.scale) return (x) => x
    return undefined
  }

  override _export (schema: avro.Schema): void {
    Object.assign(schema as object, { precision: this.precision, scale: this.scale })
  }
}

const decimalPattern = /^-?\d+(\.\d+)?$/
const SMALL_DIGITS = 14

/**
 * The unscaled integer of a decimal string when it is exact as a double (at most 14
 * digits); undefined when longer (toUnscaled takes any). A hand loop: this runs for
 * every amount of every record, and a regular expression plus slices cost several
 * times as much.
 */
export function toUnscaledNumber (val: unknown, scale: number): number | undefined {
  if (typeof val !== 'string') return undefined
  const len = val.length
  let i = val.charCodeAt(0) === 45 ? 1 : 0
  const neg = i === 1
  let n = 0
  let digits = 0
  let frac = -1
  let any = false
  for (; i < len; i++) {
    const c = val.charCodeAt(i)
    if (c === 46) {
      if (frac !== -1 || !any) throw new Error(`not a decimal: ${val}`)
      frac = 0
      continue
    }
    if (c < 48 || c > 57) throw new Error(`not a decimal: ${val}`)
    any = true
    if (frac !== -1) {
      if (frac === scale) {
        if (c !== 48) throw new Error(`${val} has more than ${scale} decimals`)
        continue
      }
      frac++
    }
    n = n * 10 + (c - 48)
    if (++digits > SMALL_DIGITS) return undefined
  }
  // "1." has no digit after its point; `frac` cannot say so, as it stays 0 at scale 0 ("5.00").
  if (!any || val.charCodeAt(len - 1) === 46) throw new Error(`not a decimal: ${val}`)
  for (let f = frac === -1 ? 0 : frac; f < scale; f++) {
    n *= 10
    if (++digits > SMALL_DIGITS) return undefined
  }
  return neg ? -n : n
}

// Every amount of every record goes through these: table lookups and integer
// arithmetic instead of powers, padding and slices.
const BYTE_LIMITS = [0, 2 ** 7, 2 ** 15, 2 ** 23, 2 ** 31, 2 ** 39, 2 ** 47]
/** 10^0 … 10^15, exact as numbers. */
export const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i)

/** Bytes of the minimal two's complement of an integer below 2^47 in magnitude, as the Avro spec requires. */
function bytesFor (n: number): number {
  let k = 1
  while (n >= BYTE_LIMITS[k]! || n < -BYTE_LIMITS[k]!) k++
  return k
}

function writeSmall (buf: Buffer, pos: number, k: number, n: number): void {
  for (let i = pos + k - 1; i >= pos; i--) {
    buf[i] = n & 0xff
    n = Math.floor(n / 256)
  }
}

/** A safe integer of units of 10^-scale as a decimal string: formatUnscaled without BigInt. */
export function formatUnscaledNumber (n: number, scale: number): string {
  const neg = n < 0
  const abs = neg ? -n : n
  if (scale === 0) return String(n)
  if (scale >= POW10.length) return formatUnscaled(BigInt(n), scale)
  // Remainder first: abs / 10^scale can round up to the next integer near 2^53.
  const rest = abs % POW10[scale]!
  const whole = (abs - rest) / POW10[scale]!
  const frac = String(rest)
  const out = `${whole}.${frac.length < scale ? '0'.repeat(scale - frac.length) + frac : frac}`
  return neg ? `-${out}` : out
}

export function toUnscaled (val: unknown, scale: number): bigint {
  const small = toUnscaledNumber(val, scale)
  if (small !== undefined) return BigInt(small)
  const s = typeof val === 'number' ? val.toFixed(scale) : String(val)
  if (!decimalPattern.test(s)) throw new Error(`not a decimal: ${s}`)
  const neg = s.startsWith('-')
  const [whole = '0', frac = ''] = (neg ? s.slice(1) : s).split('.')
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new Error(`${s} has more than ${scale} decimals`)
  const n = BigInt(whole + frac.slice(0, scale).padEnd(scale, '0'))
  return neg ? -n : n
}

export function formatUnscaled (n: bigint, scale: number): string {
  const neg = n < 0n
  const digits = (neg ? -n : n).toString().padStart(scale + 1, '0')
  const out = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return neg ? `-${out}` : out
}

export function parseSchema (schema: object | string): AvroType {
  return Type.forSchema(typeof schema === 'string' ? JSON.parse(schema) : schema, {
    logicalTypes: { decimal: DecimalType },
    // Unknown logical types (timestamp-millis) stay plain longs: epoch milliseconds.
    assertLogicalTypes: true
  })
}

/**
 * A copy of a record schema without the fields a reader never uses, named per record type
 * (by short name): read through it, avsc skips those fields' bytes instead of building
 * their strings and amounts. The writer's schema is unchanged; only a reader narrows.
 */
export function withoutFields (schema: object, unread: Record<string, string[]>): object {
  const prune = (t: unknown): unknown => {
    if (Array.isArray(t)) return t.map(prune)
    if (t === null || typeof t !== 'object') return t
    const o = t as {
      type?: unknown, name?: string, fields?: Array<{ name: string, type: unknown }>, items?: unknown, values?: unknown
    }
    if (o.type === 'record' && o.fields !== undefined) {
      const skip = unread[(o.name ?? '').split('.').pop()!] ?? []
      const fields = o.fields.filter((f) => !skip.includes(f.name)).map((f) => ({ ...f, type: prune(f.type) }))
      return { ...o, fields }
    }
    if (o.type === 'array') return { ...o, items: prune(o.items) }
    if (o.type === 'map') return { ...o, values: prune(o.values) }
    return t
  }
  return prune(schema) as object
}
