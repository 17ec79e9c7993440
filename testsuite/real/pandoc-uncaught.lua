-- An error no pcall catches: pandoc reports it and exits with code 83.
function Header(el)
  error("no handler for this header: " .. pandoc.utils.stringify(el))
end
