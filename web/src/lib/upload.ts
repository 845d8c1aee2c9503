// Uploads a file with XMLHttpRequest (fetch cannot report upload progress), with the same
// errors as the JSON client.
import { ApiError } from '../api/client'

export interface UploadHandle<T> {
  done: Promise<T>
  abort: () => void
}

/** Reads the server's `{"error": {...}}` from a failed answer's text, or makes one from its status. */
export function uploadError(status: number, statusText: string, body: string): ApiError {
  let code = `http_${status}`
  let message = statusText || `The server answered ${status}.`
  if (status === 413) message = 'The file is too large.'
  let field: string | null = null
  try {
    const detail = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown; field?: unknown } })
      ?.error
    if (detail && typeof detail === 'object') {
      if (typeof detail.code === 'string') code = detail.code
      if (typeof detail.message === 'string') message = detail.message
      if (typeof detail.field === 'string') field = detail.field
    }
  } catch {
    // Not JSON: keep the status.
  }
  if (status === 0) return new ApiError(0, 'network', 'Could not reach the server. Check your connection.')
  return new ApiError(status, code, message, field)
}

export function uploadFile<T>(
  url: string,
  file: File,
  onProgress: (fraction: number) => void,
  field = 'file',
): UploadHandle<T> {
  const xhr = new XMLHttpRequest()
  const done = new Promise<T>((resolve, reject) => {
    xhr.open('POST', url)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        try {
          resolve(JSON.parse(xhr.responseText) as T)
        } catch {
          reject(uploadError(xhr.status, xhr.statusText, ''))
        }
      } else {
        reject(uploadError(xhr.status, xhr.statusText, xhr.responseText))
      }
    }
    xhr.onerror = () => reject(uploadError(0, '', ''))
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
    const form = new FormData()
    form.append(field, file, file.name)
    xhr.send(form)
  })
  return { done, abort: () => xhr.abort() }
}
