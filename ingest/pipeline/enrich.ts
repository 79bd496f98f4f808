// Validated events -> complete `events` rows: event id, corrected time, URL parts, UTM, referrer
// domain, device columns from the user agent, properties as JSON text. Pure apart from the
// context's id generator: the same event and context always give the same row.
import { ok, type Result, reject } from './result.ts';
import {
  MAX_NAME_LENGTH,
  MAX_SCREEN_SIDE,
  MAX_TITLE_LENGTH,
  MAX_URL_LENGTH,
  type SegmentContext,
  type SegmentMessage,
  type TrackEvent,
} from './schemas.ts';
import { eventTime, formatDateTime64, readTimestamp } from './time.ts';
import type { BatchEnvelope, EventRow, PipelineContext, QuarantineRow } from './types.ts';
import { type Campaign, campaignFromQuery, limitUtm, referrerDomain, splitUrl } from './urls.ts';
import { describeUserAgent } from './user-agent.ts';
import { eventIdFor } from './uuid.ts';

/**
 * Stored bytes per event, counted over what we keep (properties plus the text columns). Segment
 * documents 32 KB per event; one larger than that is a payload dump, not an event.
 */
export const MAX_EVENT_BYTES = 32 * 1024;
/**
 * How much of a rejected item the quarantine keeps (UTF-16 code units). Twice the event limit, so
 * an oversized event still shows what made it large, while a flood of rejects stays bounded.
 */
export const MAX_QUARANTINE_PAYLOAD_CHARS = 64 * 1024;
/** Quarantine messages are built by us and short; the cap only guards against a future mistake. */
const MAX_QUARANTINE_MESSAGE_CHARS = 1024;

const EMPTY_PROPERTIES = '{}';
const COUNTRY_CODE = /^[A-Z]{2}$/;

/** What both event sources reduce to before enrichment. */
interface EventFields {
  eventType: string;
  name: string;
  clientId: string | undefined;
  userId: string;
  anonymousId: string;
  sessionId: string;
  url: string;
  /** Used when the URL has no path of its own (Segment's context.page.path). */
  path: string;
  referrer: string;
  title: string;
  locale: string;
  screenWidth: number;
  screenHeight: number;
  /** Epoch ms, NaN when absent. */
  timestamp: number;
  sentAt: number;
  userAgent: string;
  /** From Segment's context.campaign; the URL's utm_* parameters fill what it leaves empty. */
  campaign: Campaign | undefined;
  properties: Record<string, unknown> | null | undefined;
}

/** A product event (`/api/events/track[/batch]`) as an `events` row. */
export function toEventRow(
  event: TrackEvent,
  ctx: PipelineContext,
  envelope: BatchEnvelope = {},
): Result<EventRow> {
  return buildEventRow(
    {
      eventType: event.eventType,
      name: event.name ?? '',
      clientId: event.eventId ?? undefined,
      userId: event.userId ?? '',
      anonymousId: event.anonymousId ?? '',
      sessionId: event.sessionId ?? '',
      url: event.url ?? '',
      path: '',
      referrer: event.referrer ?? '',
      title: event.title ?? '',
      locale: event.locale ?? '',
      screenWidth: event.screenWidth ?? 0,
      screenHeight: event.screenHeight ?? 0,
      timestamp: readTimestamp(event.timestamp),
      sentAt: readTimestamp(event.sentAt ?? envelope.sentAt),
      userAgent: ctx.userAgent ?? '',
      campaign: undefined,
      properties: event.metadata,
    },
    ctx,
  );
}

/**
 * A Segment message as an `events` row. page becomes event_type 'pageview' (the product's name
 * for it); name is the event (track), the page/screen name, the groupId (group) or the
 * previousId (alias); properties hold properties, or traits for identify and group.
 */
export function segmentToEventRow(
  message: SegmentMessage,
  ctx: PipelineContext,
  envelope: BatchEnvelope = {},
): Result<EventRow> {
  const own = message.context ?? undefined;
  const shared = (envelope.context ?? undefined) as SegmentContext | undefined;
  const page = own?.page ?? shared?.page ?? undefined;
  const screen = own?.screen ?? shared?.screen ?? undefined;
  const campaign = own?.campaign ?? shared?.campaign ?? undefined;
  const properties = message.properties ?? undefined;
  const isPage = message.type === 'page';

  let eventType: string = message.type;
  let name = '';
  let stored = properties;
  switch (message.type) {
    case 'track':
      name = message.event;
      break;
    case 'page':
      eventType = 'pageview';
      name = message.name ?? stringProperty(properties, 'name', MAX_NAME_LENGTH);
      break;
    case 'screen':
      name = message.name ?? stringProperty(properties, 'name', MAX_NAME_LENGTH);
      break;
    case 'identify':
      stored = message.traits ?? own?.traits ?? undefined;
      break;
    case 'group':
      name = String(message.groupId);
      stored = message.traits ?? undefined;
      break;
    case 'alias':
      name = String(message.previousId);
      stored = undefined;
      break;
  }

  return buildEventRow(
    {
      eventType,
      name,
      clientId: message.messageId ?? undefined,
      userId: idText(message.userId),
      anonymousId: idText(message.anonymousId),
      // Segment has no standard session id.
      sessionId: '',
      url: (isPage ? stringProperty(properties, 'url', MAX_URL_LENGTH) : '') || (page?.url ?? ''),
      path: (isPage ? stringProperty(properties, 'path', MAX_URL_LENGTH) : '') || (page?.path ?? ''),
      referrer:
        (isPage ? stringProperty(properties, 'referrer', MAX_URL_LENGTH) : '') || (page?.referrer ?? ''),
      title: (isPage ? stringProperty(properties, 'title', MAX_TITLE_LENGTH) : '') || (page?.title ?? ''),
      locale: own?.locale ?? shared?.locale ?? '',
      screenWidth: screenSide(screen?.width),
      screenHeight: screenSide(screen?.height),
      timestamp: readTimestamp(message.timestamp ?? message.originalTimestamp),
      sentAt: readTimestamp(message.sentAt ?? envelope.sentAt),
      userAgent: own?.userAgent ?? shared?.userAgent ?? ctx.userAgent ?? '',
      campaign: campaign
        ? {
            source: limitUtm(campaign.source ?? ''),
            medium: limitUtm(campaign.medium ?? ''),
            campaign: limitUtm(campaign.name ?? ''),
            term: limitUtm(campaign.term ?? ''),
            content: limitUtm(campaign.content ?? ''),
          }
        : undefined,
      properties: stored,
    },
    ctx,
  );
}

function buildEventRow(fields: EventFields, ctx: PipelineContext): Result<EventRow> {
  const properties = fields.properties ? JSON.stringify(fields.properties) : EMPTY_PROPERTIES;
  const bytes = storedBytes(fields, properties);
  if (bytes > MAX_EVENT_BYTES) {
    return reject('event_too_large', `The event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`);
  }
  const url = splitUrl(fields.url);
  const campaign = mergeCampaigns(fields.campaign, campaignFromQuery(url.query));
  const device = describeUserAgent(fields.userAgent);
  return ok({
    app_id: ctx.appId,
    event_id: eventIdFor(fields.clientId, ctx.appId, ctx.newEventId),
    event_type: fields.eventType,
    name: fields.name,
    ts: formatDateTime64(eventTime(fields.timestamp, fields.sentAt, ctx.receivedAt)),
    received_at: formatDateTime64(ctx.receivedAt),
    user_id: fields.userId,
    anonymous_id: fields.anonymousId,
    session_id: fields.sessionId,
    url: fields.url,
    host: url.host,
    path: url.host === '' && url.path === '' ? fields.path : url.path,
    referrer: fields.referrer,
    referrer_domain: referrerDomain(fields.referrer),
    utm_source: campaign.source,
    utm_medium: campaign.medium,
    utm_campaign: campaign.campaign,
    utm_term: campaign.term,
    utm_content: campaign.content,
    title: fields.title,
    browser: device.browser,
    browser_version: device.browserVersion,
    os: device.os,
    os_version: device.osVersion,
    device_type: device.deviceType,
    device_vendor: device.deviceVendor,
    device_model: device.deviceModel,
    screen_width: fields.screenWidth,
    screen_height: fields.screenHeight,
    locale: fields.locale,
    country: ctx.country !== undefined && COUNTRY_CODE.test(ctx.country) ? ctx.country : '',
    properties,
    retention_days: ctx.retentionDays,
  });
}

/**
 * A rejected item as an `events_quarantine` row. `payload` is the item as parsed (stored as JSON
 * text), or the raw body bytes for a request that could not be parsed at all.
 */
export function toQuarantineRow(
  payload: unknown,
  rejection: { code: string; message: string },
  ctx: Pick<PipelineContext, 'appId' | 'receivedAt'>,
  source: string,
): QuarantineRow {
  const text =
    payload instanceof Uint8Array ? Buffer.from(payload).toString('utf8') : (JSON.stringify(payload) ?? '');
  return {
    app_id: ctx.appId,
    received_at: formatDateTime64(ctx.receivedAt),
    reason: rejection.code,
    message: truncate(rejection.message, MAX_QUARANTINE_MESSAGE_CHARS),
    payload: truncate(text, MAX_QUARANTINE_PAYLOAD_CHARS),
    source,
  };
}

/** Cut to at most `max` code units without splitting a surrogate pair (a lone half breaks the row). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * Bytes we would store. The text columns are bounded by the schemas, so only a large properties
 * object can push an event over the limit; UTF-8 is measured exactly only when the UTF-16 length
 * says it could matter (one code unit is at most 3 bytes).
 */
function storedBytes(fields: EventFields, properties: string): number {
  const columns =
    fields.eventType.length +
    fields.name.length +
    fields.userId.length +
    fields.anonymousId.length +
    fields.sessionId.length +
    fields.url.length +
    fields.referrer.length +
    fields.title.length +
    fields.locale.length;
  const approximate = columns + properties.length;
  if (approximate * 3 <= MAX_EVENT_BYTES) return approximate;
  return (
    Buffer.byteLength(properties, 'utf8') +
    Buffer.byteLength(
      fields.eventType + fields.name + fields.userId + fields.anonymousId + fields.sessionId + fields.url,
      'utf8',
    ) +
    Buffer.byteLength(fields.referrer + fields.title + fields.locale, 'utf8')
  );
}

/** Segment's context.campaign wins field by field; the URL's utm_* parameters fill the gaps. */
function mergeCampaigns(stated: Campaign | undefined, fromUrl: Campaign): Campaign {
  if (stated === undefined) return fromUrl;
  return {
    source: stated.source || fromUrl.source,
    medium: stated.medium || fromUrl.medium,
    campaign: stated.campaign || fromUrl.campaign,
    term: stated.term || fromUrl.term,
    content: stated.content || fromUrl.content,
  };
}

function idText(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'number' ? String(value) : value;
}

/** Segment screens can be fractional or out of range; the column is UInt16. */
function screenSide(value: number | null | undefined): number {
  if (value === undefined || value === null || !(value > 0)) return 0;
  return value >= MAX_SCREEN_SIDE ? MAX_SCREEN_SIDE : Math.round(value);
}

/** A string property of Segment's free-form `properties`, when it is one and within `max`. */
function stringProperty(properties: Record<string, unknown> | undefined, key: string, max: number): string {
  const value = properties?.[key];
  return typeof value === 'string' && value.length <= max ? value : '';
}
