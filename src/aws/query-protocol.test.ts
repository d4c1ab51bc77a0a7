import { describe, expect, it } from 'vitest';
import {
  nestQueryParams,
  parseQueryParams,
  queryChild,
  queryList,
  queryString,
  toXml,
  xmlEscape,
  xmlList,
} from './query-protocol.js';

describe('awsQuery requests', () => {
  it('nests flattened parameters and reads 1-based lists in index order', () => {
    const flat = parseQueryParams(
      'Action=Publish&MessageAttributes.entry.2.Name=b&MessageAttributes.entry.1.Name=a' +
        '&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=x%20y' +
        '&MessageAttributes.entry.10.Name=j',
    );
    const nested = nestQueryParams(flat);
    const entries = queryList(queryChild(nested, 'MessageAttributes'), 'entry');
    expect(entries.map((e) => queryString(e, 'Name'))).toEqual(['a', 'b', 'j']);
    expect(queryString(queryChild(entries[0] as never, 'Value'), 'StringValue')).toBe('x y');
    expect(queryString(nested, 'Action')).toBe('Publish');
  });

  it('lets the body override the URL query', () => {
    expect(parseQueryParams(new URLSearchParams('Action=A&X=1'), 'X=2')).toEqual({ Action: 'A', X: '2' });
  });
});

describe('awsQuery responses', () => {
  it('escapes XML text and renders member, entry and flattened lists', () => {
    expect(xmlEscape(`<a & "b" 'c'>\r`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;&#xD;');
    expect(toXml({ Topics: xmlList([{ TopicArn: 'a' }, { TopicArn: 'b' }]) })).toBe(
      '<Topics><member><TopicArn>a</TopicArn></member><member><TopicArn>b</TopicArn></member></Topics>',
    );
    expect(toXml({ QueueUrl: xmlList(['u1', 'u2'], { flattened: true }), Skip: undefined })).toBe(
      '<QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl>',
    );
    expect(toXml({ Attributes: xmlList([{ key: 'k', value: 'v' }], { member: 'entry' }) })).toBe(
      '<Attributes><entry><key>k</key><value>v</value></entry></Attributes>',
    );
  });
});
