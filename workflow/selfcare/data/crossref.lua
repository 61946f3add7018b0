--[[
crossref.lua: Quarto-style cross-references for the pandoc fallback renderer.

Used by selfcare.report.render when Quarto is not available. It must run BEFORE
--citeproc, so that `@fig-x`, `@tbl-x` and `@sec-x` are turned into links
before citeproc sees them as (unknown) bibliography citations.

What it does:
  * figures `![Caption](path){#fig-x}` are numbered in document order and the
    caption starts with "Figure N: "; `fig-alt="..."` becomes the image's alt
    text (in Typst output the image is written as `#image(..., alt: "...")`,
    because pandoc's Typst writer drops alt text); in Typst output an image without a width gets `fig-width` or 100%;
  * tables with a caption `: Caption {#tbl-x}` are numbered ("Table N: ");
  * headings get hierarchical numbers (relative to the highest heading level
    used); the numbers are shown in the headings only when the metadata has
    `number-sections: true`; headings with class `unnumbered` or `-` are
    skipped;
  * citations whose keys all carry a known prefix (fig-, tbl-, sec-) become
    links: `@fig-x` -> "Figure 1", `[-@fig-x]` -> "1";
  * a reference to a label that does not exist stops the render (error).

Labels and words follow Quarto's `crossref` metadata keys when given:
fig-title, tbl-title, fig-prefix, tbl-prefix, sec-prefix, title-delim.
]]

local KINDS = { "fig", "tbl", "sec" }

local words = {
  ["fig-title"] = "Figure",
  ["tbl-title"] = "Table",
  ["fig-prefix"] = "Figure",
  ["tbl-prefix"] = "Table",
  ["sec-prefix"] = "Section",
  ["title-delim"] = ":",
}

local labels = {} -- id -> { kind = "fig", number = "1" }

local function kind_of(id)
  local low = id:sub(1, 1):lower() .. id:sub(2)
  for _, k in ipairs(KINDS) do
    if low:sub(1, #k + 1) == k .. "-" then
      return k, low
    end
  end
  return nil, low
end

local function read_config(meta)
  local cr = meta.crossref
  if type(cr) == "table" then
    for key, _ in pairs(words) do
      if cr[key] ~= nil then
        words[key] = pandoc.utils.stringify(cr[key])
      end
    end
  end
  local ns = meta["number-sections"]
  return ns == true or (ns ~= nil and pandoc.utils.stringify(ns) == "true")
end

local function register(id, kind, number)
  if labels[id] ~= nil then
    error("crossref: duplicate label '#" .. id .. "'")
  end
  labels[id] = { kind = kind, number = number }
end

local function prefix_caption(caption, title, number)
  local lead = pandoc.Inlines({
    pandoc.Str(title),
    pandoc.Space(),
    pandoc.Str(number .. words["title-delim"]),
    pandoc.Space(),
  })
  local long = caption.long
  if #long == 0 then
    caption.long = pandoc.Blocks({ pandoc.Plain(lead) })
  else
    local first = long[1]
    if first.content ~= nil then
      local content = pandoc.Inlines(lead)
      content:extend(first.content)
      first.content = content
      long[1] = first
    else
      long:insert(1, pandoc.Plain(lead))
    end
    caption.long = long
  end
  return caption
end

local function has_class(classes, name)
  for _, c in ipairs(classes) do
    if c == name then
      return true
    end
  end
  return false
end

local function number_string(counters, level, base)
  local parts = {}
  for l = base, level do
    table.insert(parts, tostring(counters[l] or 0))
  end
  return table.concat(parts, ".")
end

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

local function fix_images(fig)
  return fig:walk({
    Image = function(img)
      local alt = img.attributes["fig-alt"]
      if alt ~= nil then
        img.attributes["fig-alt"] = nil
        img.caption = pandoc.Inlines({ pandoc.Str(alt) })
      end
      if FORMAT:match("typst") and img.attributes["width"] == nil then
        local w = img.attributes["fig-width"]
        if w ~= nil and w:match("^[%d.]+$") then
          w = w .. "in"
        end
        img.attributes["width"] = w or "100%"
      end
      img.attributes["fig-width"] = nil
      if FORMAT:match("typst") then
        -- pandoc's Typst writer drops the alt text: write the image call
        -- ourselves, with the alt text that PDF readers announce
        local w = img.attributes["width"]
        if not w:match("^[%d.]+%%$") and not w:match("^[%d.]+[a-z][a-z]$") then
          w = "100%"
        end
        local raw = "#image(" .. typst_string(img.src) .. ", width: " .. w
        local text = pandoc.utils.stringify(img.caption)
        if text ~= "" then
          raw = raw .. ", alt: " .. typst_string(text)
        end
        return pandoc.RawInline("typst", raw .. ")")
      end
      return img
    end,
  })
end

local function ref_inlines(citation)
  local id = citation.id
  local info = labels[id]
  if info == nil then
    local _, low = kind_of(id)
    info = labels[low]
  end
  if info == nil then
    error("crossref: reference to unknown label '@" .. id .. "' (no figure, table or section has id '#" .. id .. "')")
  end
  local text
  if citation.mode == "SuppressAuthor" then
    text = info.number
  else
    text = words[info.kind .. "-prefix"] .. "\u{a0}" .. info.number
  end
  local target = labels[id] and id or select(2, kind_of(id))
  local out = pandoc.Inlines({})
  if #citation.prefix > 0 then
    out:extend(citation.prefix)
    out:insert(pandoc.Space())
  end
  out:insert(pandoc.Link(pandoc.Inlines({ pandoc.Str(text) }), "#" .. target, "", pandoc.Attr("", { "quarto-xref" })))
  if #citation.suffix > 0 then
    out:extend(citation.suffix)
  end
  return out
end

function Pandoc(doc)
  local show_numbers = read_config(doc.meta)

  -- highest heading level in use decides where numbering starts
  local base = nil
  doc:walk({
    Header = function(h)
      if base == nil or h.level < base then
        base = h.level
      end
    end,
  })
  base = base or 1

  local counters = {}
  local nfig, ntbl = 0, 0
  doc = doc:walk({
    traverse = "topdown",
    Header = function(h)
      if has_class(h.classes, "unnumbered") or has_class(h.classes, "-") then
        if h.identifier:match("^sec%-") then
          error("crossref: heading '#" .. h.identifier .. "' is unnumbered and cannot be referenced")
        end
        return h
      end
      counters[h.level] = (counters[h.level] or 0) + 1
      for l = h.level + 1, 9 do
        counters[l] = nil
      end
      local num = number_string(counters, h.level, base)
      if h.identifier:match("^sec%-") then
        register(h.identifier, "sec", num)
      end
      if show_numbers then
        local content = pandoc.Inlines({
          pandoc.Span(pandoc.Inlines({ pandoc.Str(num) }), pandoc.Attr("", { "header-section-number" })),
          pandoc.Space(),
        })
        content:extend(h.content)
        h.content = content
      end
      return h
    end,
    Figure = function(fig)
      fig = fix_images(fig)
      if fig.identifier:match("^fig%-") then
        nfig = nfig + 1
        register(fig.identifier, "fig", tostring(nfig))
        fig.caption = prefix_caption(fig.caption, words["fig-title"], tostring(nfig))
      end
      return fig
    end,
    Table = function(tbl)
      if tbl.identifier:match("^tbl%-") then
        ntbl = ntbl + 1
        register(tbl.identifier, "tbl", tostring(ntbl))
        tbl.caption = prefix_caption(tbl.caption, words["tbl-title"], tostring(ntbl))
      end
      return tbl
    end,
  })

  doc = doc:walk({
    Cite = function(cite)
      local nref = 0
      for _, c in ipairs(cite.citations) do
        if kind_of(c.id) ~= nil then
          nref = nref + 1
        end
      end
      if nref == 0 then
        return nil
      end
      if nref ~= #cite.citations then
        error("crossref: a citation mixes cross-references and bibliography keys: " .. pandoc.utils.stringify(cite.content))
      end
      local out = pandoc.Inlines({})
      for i, c in ipairs(cite.citations) do
        if i > 1 then
          out:insert(pandoc.Str(","))
          out:insert(pandoc.Space())
        end
        out:extend(ref_inlines(c))
      end
      return out
    end,
  })

  if FORMAT:match("typst") then
    -- numbering is done here, not by Typst (it would add a second "Figure N")
    doc.blocks:insert(1, pandoc.RawBlock("typst", "#set figure(numbering: none)"))
  end
  return doc
end
