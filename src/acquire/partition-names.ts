/** Partitions that hold an Android file system (OPPO's and realme's `my_*` ones are matched apart). */
const ANDROID_PARTITIONS = new Set(
  [
    'system system_ext vendor product odm oem cust preload vendor_dlkm odm_dlkm system_dlkm',
    'mi_ext india version reserve userdata data',
  ]
    .join(' ')
    .split(' '),
);

/** system_a -> system; "system.img" -> system; a label from the file system when the name says nothing. */
export function partitionName(name: string, label: string): string {
  const n = name.replace(/\.(img|bin|ext4|erofs|raw)$/i, '').replace(/_[ab]$/, '');
  if (n && (ANDROID_PARTITIONS.has(n.toLowerCase()) || /^my_[a-z]+$/i.test(n))) return n.toLowerCase();
  // A file-system label (mkfs -L, "system" on most builds) is better than a file name that says nothing.
  return label || n || 'unknown';
}

/** The partition a path of a file-based OTA or extracted tree belongs to, by its first folder. */
export function zipPartition(entry: string): string {
  const first = entry.replace(/^\//, '').split('/')[0] ?? '';
  return /^(system|vendor|product|odm|system_ext|oem|cust|preload|data)$/i.test(first) ? first.toLowerCase() : 'system';
}

/** The last segment of a slash-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
