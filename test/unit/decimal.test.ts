// The decimal codec at its edges: what is a decimal and what is refused (with which words),
// where the plain-number path hands over to BigInt, and the Avro type around them.
import { describe, expect, it } from 'vitest'
import { formatUnscaled, formatUnscaledNumber, parseSchema, toUnscaled, toUnscaledNumber } from '../../lib/avro.ts'

const errorOf = (f: () => unknown): string => { try { f(); return 'none' } catch (e) { return (e as Error).message } }

describe('reading a decimal string', () => {
  it.each<[string, number, number]>([
    ['0', 0, 0],
    ['5.00', 0, 5],
    ['7', 2, 700],
    ['-7', 2, -700],
    ['1.5', 4, 15000],
    ['-0.0001', 4, -1],
    ['0.0', 0, 0],
    ['00012', 0, 12],
    ['0123456789', 0, 123456789],
    ['12.3400', 2, 1234],
    ['99999999999999', 0, 99999999999999],
    ['-9999999999.9999', 4, -99999999999999],
    ['9999999999', 4, 99999999990000]
  ])('%s at scale %i is %i', (input, scale, want) => {
    expect(toUnscaledNumber(input, scale)).toBe(want)
    expect(toUnscaled(input, scale)).toBe(BigInt(want))
  })

  // Past 14 digits (the scale's zeros included) a double may not hold it: BigInt takes over.
  it.each<[string, number, bigint]>([
    ['999999999999999', 0, 999999999999999n],
    ['99999999999', 4, 999999999990000n],
    ['12345678901234.5', 4, 123456789012345000n],
    ['-123456789012345.6789', 4, -1234567890123456789n],
    ['123456789012345', 2, 12345678901234500n],
    ['12345678901234.56780', 4, 123456789012345678n],
    ['0.000000000000001', 15, 1n],
    ['-0.000000000000001', 15, -1n],
    ['90071992547409910000', 0, 90071992547409910000n]
  ])('%s at scale %i is past the plain path and exact in BigInt', (input, scale, want) => {
    expect(toUnscaledNumber(input, scale)).toBeUndefined()
    expect(toUnscaled(input, scale)).toBe(want)
  })

  it.each<[string, number]>([
    ['abc', 2], ['', 2], ['-', 2], ['+5', 2], ['--1', 2], ['1-', 2], ['1.2.3', 2], ['.5', 2], ['-.5', 2], ['1.', 2], ['-1.', 2],
    ['1e5', 2], [' 1', 2], ['1 ', 2], ['1,5', 2], ['1/2', 2], ['1:2', 2], ['0x10', 2]
  ])('%j is not a decimal', (input, scale) => {
    expect(errorOf(() => toUnscaledNumber(input, scale))).toBe(`not a decimal: ${input}`)
    expect(errorOf(() => toUnscaled(input, scale))).toBe(`not a decimal: ${input}`)
  })

  it.each<[string, number]>([['1.23456', 4], ['0.5', 0], ['-0.001', 2], ['12.3401', 2]])('%s has more decimals than scale %i: refused, never rounded', (input, scale) => {
    expect(errorOf(() => toUnscaledNumber(input, scale))).toBe(`${input} has more than ${scale} decimals`)
    expect(errorOf(() => toUnscaled(input, scale))).toBe(`${input} has more than ${scale} decimals`)
  })

  it.each<[unknown, number, string]>([
    ['123456789012345abc', 0, 'not a decimal: 123456789012345abc'],
    ['1234567890123456.', 0, 'not a decimal: 1234567890123456.'],
    ['1234567890123456.5x', 2, 'not a decimal: 1234567890123456.5x'],
    ['12345678901234.56789', 4, '12345678901234.56789 has more than 4 decimals'],
    ['12345678901234.50001', 4, '12345678901234.50001 has more than 4 decimals'],
    [Number.NaN, 2, 'not a decimal: NaN'],
    [Number.POSITIVE_INFINITY, 2, 'not a decimal: Infinity'],
    [1e21, 2, 'not a decimal: 1e+21']
  ])('past the plain path too, %s is refused', (input, scale, message) => {
    expect(errorOf(() => toUnscaled(input, scale))).toBe(message)
  })

  it('takes a number through its decimal digits, not its binary ones', () => {
    expect(toUnscaledNumber(0.3, 2)).toBeUndefined()
    expect(toUnscaled(0.1 + 0.2, 2)).toBe(30n)
    expect(toUnscaled(1.5, 4)).toBe(15000n)
    expect(toUnscaled(-2, 2)).toBe(-200n)
    expect(toUnscaledNumber(null, 2)).toBeUndefined()
  })
})

describe('writing a decimal string', () => {
  it.each<[number, number, string]>([
    [0, 0, '0'], [-5, 0, '-5'], [5, 2, '0.05'], [-5, 2, '-0.05'], [12345, 2, '123.45'], [100, 2, '1.00'], [-100, 2, '-1.00'],
    [9007199254740991, 2, '90071992547409.91'], [-9007199254740991, 4, '-900719925474.0991'],
    [5, 15, '0.000000000000005'], [5, 16, '0.0000000000000005'], [-123, 20, '-0.00000000000000000123']
  ])('%i at scale %i is %s, as the BigInt formatting says', (n, scale, want) => {
    expect(formatUnscaledNumber(n, scale)).toBe(want)
    expect(formatUnscaled(BigInt(n), scale)).toBe(want)
  })
})

describe('the Avro decimal type', () => {
  const dec = (scale?: number, precision = 18) => parseSchema({ type: 'bytes', logicalType: 'decimal', precision, ...(scale === undefined ? {} : { scale }) })

  it('reads an amount of no bytes as zero', () => {
    expect(dec(4).fromBuffer(Buffer.from([0]))).toBe('0.0000')
    expect(dec(4).fromBuffer(dec(4).toBuffer('0'))).toBe('0.0000')
  })

  it('refuses a negative length as a truncated amount', () => {
    expect(errorOf(() => dec(4).fromBuffer(Buffer.from([1])))).toMatch(/truncated/)
    expect(errorOf(() => dec(4).fromBuffer(Buffer.from([3, 0x10])))).toMatch(/truncated/)
  })

  it('writes into a buffer that it fills exactly', () => {
    const buf = Buffer.alloc(2)
    expect(dec(4).encode('0.0100', buf, 0)).toBe(2)
    expect(dec(4).decode(buf, 0)).toEqual({ value: '0.0100', offset: 2 })
  })

  it('refuses an amount with more digits than its precision, counting no sign', () => {
    expect(errorOf(() => dec(4).toBuffer('123456789012345.0000'))).toBe('123456789012345.0000 exceeds decimal(18,4)')
    expect(dec(4).fromBuffer(dec(4).toBuffer('-99999999999999.9999'))).toBe('-99999999999999.9999')
  })

  it('refuses an amount past a precision below 14 digits too', () => {
    const small = dec(2, 4)
    expect(small.fromBuffer(small.toBuffer('99.99'))).toBe('99.99')
    expect(small.fromBuffer(small.toBuffer('-99.99'))).toBe('-99.99')
    for (const v of ['100.00', '-100', '123.45']) {
      expect(errorOf(() => small.toBuffer(v))).toBe(`${v} exceeds decimal(4,2)`)
      expect(small.isValid(v)).toBe(false)
    }
  })

  it('has scale 0 when the schema gives none, and gives its precision and scale back', () => {
    expect(dec(undefined, 5).fromBuffer(dec(undefined, 5).toBuffer('12'))).toBe('12')
    expect(dec(4).schema({ exportAttrs: true })).toEqual({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 4 })
  })

  it('reads another decimal of the same scale, and nothing else', () => {
    const reader = dec(4)
    const writer = dec(4, 10)
    expect(reader.fromBuffer(writer.toBuffer('1.5'), reader.createResolver(writer))).toBe('1.5000')
    expect(errorOf(() => dec(4).createResolver(dec(2)))).toMatch(/cannot read/)
    expect(errorOf(() => dec(4).createResolver(parseSchema({ type: 'bytes' })))).toMatch(/cannot read/)
  })

  it('reads a decimal carried in a fixed', () => {
    const fixed = parseSchema({ type: 'fixed', name: 'F', size: 8, logicalType: 'decimal', precision: 18, scale: 2 })
    expect(fixed.fromBuffer(Buffer.from([0, 0, 0, 0, 0, 0, 0, 123]))).toBe('1.23')
    expect(fixed.fromBuffer(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x85]))).toBe('-1.23')
  })
})
