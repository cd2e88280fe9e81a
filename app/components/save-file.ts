/** Saves `text` as a file named `name` through the browser's download (client only). */
export function saveTextFile(name: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL by now; it is only kept so long for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
