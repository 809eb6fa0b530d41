/**
 * RDS resource tags, the same for every kind of resource: RDS's `Tag[]`
 * lists as a plain record and back, and the two tagging calls, which take
 * any resource's ARN (cluster, instance or snapshot).
 */
import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand, type RDSClient, type Tag } from '@aws-sdk/client-rds';

export type Tags = Record<string, string>;

export function tagsOf(list: Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export async function addTags(rds: RDSClient, arn: string, tags: Tags): Promise<void> {
  await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
}

export async function removeTags(rds: RDSClient, arn: string, keys: string[]): Promise<void> {
  await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys }));
}
