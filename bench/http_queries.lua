-- wrk script for bench/http_bench.sh: GET /search over real queries a visitor of a CMA
-- site types, in turn (already URL-encoded; one per line as `"...",`, which the shell
-- script also reads to size the ceilings' bodies).
local queries = {
  "apprentissage",
  "contrat+apprentissage",
  "artisanat",
  "formation",
  "cr%C3%A9ation+entreprise",
  "convention",
  "transition+%C3%A9cologique",
  "aide+embauche",
  "m%C3%A9tiers+d%27art",
  "CMA+Occitanie",
  "apprentis",
  "brevet+de+ma%C3%AEtrise",
  "guichet+unique",
  "salon",
  "transmettre+entreprise",
  "dipl%C3%B4mes",
}
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", "/search?q=" .. queries[(i % #queries) + 1])
end
