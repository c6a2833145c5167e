// avsc types with the logical types the bridge uses. Money is an Avro `decimal`
// carried in JS as a plain decimal string ("62.33"), so no amount ever passes
// through binary floating point.
import avro from 'avsc'

const { Type, types } = avro
export type AvroType = avro.Type

class DecimalType extends types.LogicalType {
  private readonly scale: number
  private readonly precision: number

  constructor (schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts)
    const attrs = schema as unknown as { scale?: number, precision: number }
    this.scale = attrs.scale ?? 0
    this.precision = attrs.precision
  }

  override _fromValue (buf: Buffer): string {
    let n = 0n
    for (const byte of buf) n = (n << 8n) | BigInt(byte)
    if (buf.length > 0 && (buf[0]! & 0x80) !== 0) n -= 1n << BigInt(buf.length * 8)
    return formatUnscaled(n, this.scale)
  }

  override _toValue (val: unknown): Buffer {
    const n = toUnscaled(val, this.scale)
    if (n.toString().replace('-', '').length > this.precision) throw new Error(`${String(val)} exceeds decimal(${this.precision},${this.scale})`)
    // Minimal two's-complement big-endian bytes, as the Avro spec requires.
    const bytes: number[] = []
    let v = n
    do {
      bytes.unshift(Number(v & 0xffn))
      v >>= 8n
    } while (!(v === 0n && (bytes[0]! & 0x80) === 0) && !(v === -1n && (bytes[0]! & 0x80) !== 0))
    return Buffer.from(bytes)
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

export function toUnscaled (val: unknown, scale: number): bigint {
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
