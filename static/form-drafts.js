// Keeps what is typed into a long form in this browser until the server confirms it was saved.
//
// A form opts in with data-keep-draft="<key>". Every change is written to localStorage under
// that key. When the server has saved the form it answers with a short-lived `draft_saved`
// cookie naming the key, and the copy is dropped. If the page is opened again while a copy is
// still held (the save failed, the database was down, the tab was closed), the person is
// offered their answers back. Without JavaScript the form works as before.
const PREFIX = 'portal-draft:'
const COOKIE = 'draft_saved'
const SKIPPED = new Set(['csrfmiddlewaretoken', 'version', 'action'])

function storage () {
  try {
    return window.localStorage
  } catch (error) {
    return null // storage turned off: the form still works, it just is not kept
  }
}

function confirmedKey () {
  const entry = document.cookie.split('; ').find((part) => part.startsWith(COOKIE + '='))
  return entry ? decodeURIComponent(entry.slice(COOKIE.length + 1)) : null
}

function forgetConfirmedDraft (store) {
  const key = confirmedKey()
  if (!key) return
  store.removeItem(PREFIX + key)
  const secure = window.location.protocol === 'https:' ? '; Secure' : ''
  document.cookie = COOKIE + '=; Max-Age=0; Path=/; SameSite=Lax' + secure
}

function keptFields (form) {
  const fields = {}
  for (const element of form.elements) {
    const { name, type } = element
    if (!name || SKIPPED.has(name) || ['submit', 'button', 'hidden', 'file', 'password'].includes(type)) continue
    if (type === 'checkbox' || type === 'radio') {
      fields[name] = fields[name] || []
      if (element.checked) fields[name].push(element.value)
    } else if (element.tagName === 'SELECT' && element.multiple) {
      fields[name] = Array.from(element.selectedOptions, (option) => option.value)
    } else {
      fields[name] = element.value
    }
  }
  return fields
}

function putBack (form, fields) {
  for (const element of form.elements) {
    if (!(element.name in fields)) continue
    const value = fields[element.name]
    if (element.type === 'checkbox' || element.type === 'radio') {
      element.checked = Array.isArray(value) && value.includes(element.value)
    } else if (element.tagName === 'SELECT' && element.multiple) {
      for (const option of element.options) option.selected = Array.isArray(value) && value.includes(option.value)
    } else if (typeof value === 'string') {
      element.value = value
    }
  }
}

function offer (form, kept, onChoice) {
  const banner = document.createElement('div')
  banner.className = 'govuk-notification-banner'
  banner.setAttribute('role', 'region')
  banner.setAttribute('aria-labelledby', 'kept-draft-title')
  banner.dataset.keptDraft = ''
  banner.innerHTML =
    '<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="kept-draft-title">Important</h2></div>' +
    '<div class="govuk-notification-banner__content">' +
    '<p class="govuk-notification-banner__heading">This browser kept answers that were not confirmed as saved</p>' +
    '<p class="govuk-body"></p>' +
    '<div class="govuk-button-group">' +
    '<button type="button" class="govuk-button" data-module="govuk-button" data-draft-choice="restore">Put my answers back</button>' +
    '<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-draft-choice="discard">Discard them</button>' +
    '</div></div>'
  const when = new Date(kept.savedAt)
  banner.querySelector('.govuk-body').textContent =
    'You typed them on ' + when.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short' }) +
    '. Put them back, check them, then save.'
  banner.addEventListener('click', (event) => {
    const choice = event.target.dataset && event.target.dataset.draftChoice
    if (!choice) return
    if (choice === 'restore') {
      putBack(form, kept.fields)
      const version = form.elements.namedItem('version')
      if (version && kept.version) version.value = kept.version
    }
    banner.remove()
    onChoice(choice)
    form.querySelector('input:not([type=hidden]), textarea, select')?.focus()
  })
  form.parentNode.insertBefore(banner, form)
}

function keepDrafts (form, store) {
  const key = PREFIX + form.dataset.keepDraft
  let paused = false
  const save = () => {
    if (paused) return
    // The version the answers were typed against goes with them: restored onto a page someone else has
    // saved since, they then meet the server's conflict check instead of silently replacing that save.
    const version = form.elements.namedItem('version')
    store.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: keptFields(form), version: version ? version.value : null }))
  }

  let kept = null
  try {
    kept = JSON.parse(store.getItem(key))
  } catch (error) {
    kept = null
  }
  if (kept && kept.fields && JSON.stringify(kept.fields) !== JSON.stringify(keptFields(form))) {
    // Until the person chooses, the older copy is not overwritten by what the page shows now.
    paused = true
    offer(form, kept, (choice) => {
      paused = false
      if (choice === 'discard') store.removeItem(key)
      save()
    })
  }
  form.addEventListener('input', save)
  form.addEventListener('change', save)
  form.addEventListener('submit', () => {
    paused = false
    save()
  })
}

const store = storage()
if (store) {
  forgetConfirmedDraft(store)
  for (const form of document.querySelectorAll('form[data-keep-draft]')) keepDrafts(form, store)
}
