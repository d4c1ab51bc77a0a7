import { describe, expect, it } from 'vitest';
import { csvItems, parseCsv } from './item-reader.js';

describe('CSV items for Map ItemReader', () => {
  it('parses quoted fields, doubled quotes, delimiters inside quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', ''],
    ]);
  });

  it('keys rows by the first row or by given headers, with the chosen delimiter', () => {
    expect(csvItems('id;temp\ns1;21.5\ns2;-3', { CSVDelimiter: 'SEMICOLON' })).toEqual([
      { id: 's1', temp: '21.5' },
      { id: 's2', temp: '-3' },
    ]);
    expect(
      csvItems('s1|21.5', { CSVHeaderLocation: 'GIVEN', CSVHeaders: ['id', 'temp'], CSVDelimiter: 'PIPE' }),
    ).toEqual([{ id: 's1', temp: '21.5' }]);
  });

  it('refuses GIVEN without headers and unknown delimiters with States.ItemReaderFailed', () => {
    expect(() => csvItems('a', { CSVHeaderLocation: 'GIVEN' })).toThrowError(
      expect.objectContaining({ error: 'States.ItemReaderFailed' }),
    );
    expect(() => csvItems('a', { CSVDelimiter: 'COLON' })).toThrowError(
      expect.objectContaining({ error: 'States.ItemReaderFailed' }),
    );
  });
});
