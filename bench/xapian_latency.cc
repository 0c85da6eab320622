/*
 * Xapian's in-process query latency, from C++:
 *
 *   build/bench/xapian_latency DB QUERY_FILE [--op and|or] [--repeat R]
 *
 * Why it exists: `xapian_bench.py latency` times Xapian through the Python bindings, and
 * each parse_query / get_mset / get_data crossing costs interpreter time that is not
 * Xapian's (about 37 µs a query on the bench's 300 queries, p50 105 µs from Python against
 * 68 µs from C++). artisearch's figure comes from compiled code (bench/query_bench.c),
 * so Xapian's must too. This is xapian_bench.py's Searcher and cmd_latency in C++, with
 * nothing changed but the language: QueryParser with Stem("french"), STEM_SOME, the
 * database set, the "title" prefix S, FLAG_DEFAULT and OP_AND (or OP_OR); Enquire with
 * BM25Weight() defaults; timed: parse + get_mset(0, 10) + each hit's document data (its
 * id, as a results page would read it); one untimed pass over every query first; R
 * passes timed (default 3, as xapian_bench.py). A query the parser rejects counts as a
 * sample of 0 hits, as in Python. Prints one JSON object with xapian_bench.py's keys:
 *   {"queries": N, "samples": N*R, "p50_us": ..., "p95_us": ..., "p99_us": ...,
 *    "mean_us": ..., "hits_per_query": ..., "maxrss_kb": ...}
 * Exit status 2 for bad arguments, 1 when Xapian or the query file fails.
 */
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <xapian.h>

static const char usage[] = "usage: xapian_latency DB QUERY_FILE [--op and|or] [--repeat R]\n";

static int bad_args(const char *fmt, const char *arg)
{
	std::fprintf(stderr, "xapian_latency: ");
	std::fprintf(stderr, fmt, arg);
	std::fprintf(stderr, "\n%s", usage);
	return 2;
}

/*
 * Nearest rank, as xapian_bench.py and bench.py compute it: the smallest sample with at
 * least p % of the samples at or below it. Integer arithmetic, so that p * n / 100 landing
 * on a whole number picks the same rank as Python's integer ceiling.
 */
static double percentile(const std::vector<double> &sorted, size_t p)
{
	size_t n = sorted.size(), rank = (p * n + 99) / 100;

	return sorted[std::min(n - 1, rank ? rank - 1 : 0)];
}

/* xapian_bench.py's Searcher.top10(): the ids of the top 10, none when the parser refuses. */
static size_t top10(Xapian::QueryParser &qp, Xapian::Enquire &enq, const std::string &q,
		    std::vector<std::string> &ids)
{
	ids.clear();
	try {
		enq.set_query(qp.parse_query(q, Xapian::QueryParser::FLAG_DEFAULT));
	} catch (const Xapian::QueryParserError &) {
		return 0;
	}
	Xapian::MSet mset = enq.get_mset(0, 10);
	for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
		std::string data = it.get_document().get_data();
		ids.push_back(data.substr(0, data.find('\t')));
	}
	return ids.size();
}

int main(int argc, char **argv)
{
	const char *db_path = nullptr, *query_path = nullptr;
	bool op_and = true;
	long repeat = 3;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		bool is_op = std::strcmp(a, "--op") == 0;

		if (is_op || std::strcmp(a, "--repeat") == 0) {
			if (i + 1 == argc)
				return bad_args("%s needs a value", a);
			const char *v = argv[++i];
			if (is_op) {
				if (std::strcmp(v, "and") != 0 && std::strcmp(v, "or") != 0)
					return bad_args("--op must be 'and' or 'or', not '%s'", v);
				op_and = std::strcmp(v, "and") == 0;
			} else {
				char *end;
				repeat = std::strtol(v, &end, 10);
				if (end == v || *end || repeat < 1 || repeat > 1000000)
					return bad_args("--repeat must be a count from 1 to 1000000, not '%s'", v);
			}
		} else if (a[0] == '-' && a[1]) {
			return bad_args("unknown option '%s'", a);
		} else if (!db_path) {
			db_path = a;
		} else if (!query_path) {
			query_path = a;
		} else {
			return bad_args("one argument too many: '%s'", a);
		}
	}
	if (!query_path)
		return bad_args("missing %s", db_path ? "QUERY_FILE" : "DB and QUERY_FILE");

	/* As Python reads the file: lines without their newline, blank ones left out. */
	std::ifstream in(query_path);
	if (!in) {
		std::fprintf(stderr, "xapian_latency: %s: %s\n", query_path, std::strerror(errno));
		return 1;
	}
	std::vector<std::string> queries;
	for (std::string line; std::getline(in, line);) {
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		if (line.find_first_not_of(" \t\v\f\r") != std::string::npos)
			queries.push_back(line);
	}
	if (queries.empty()) {
		std::fprintf(stderr, "xapian_latency: %s: no queries\n", query_path);
		return 1;
	}

	try {
		Xapian::Database db(db_path);
		Xapian::QueryParser qp;
		qp.set_stemmer(Xapian::Stem("french"));
		qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		qp.set_database(db);
		qp.add_prefix("title", "S");
		qp.set_default_op(op_and ? Xapian::Query::OP_AND : Xapian::Query::OP_OR);
		Xapian::Enquire enq(db);
		enq.set_weighting_scheme(Xapian::BM25Weight());

		std::vector<std::string> ids;
		ids.reserve(10);
		for (const std::string &q : queries) /* warm: every page the queries touch is cached */
			top10(qp, enq, q, ids);

		std::vector<double> samples;
		samples.reserve(queries.size() * (size_t)repeat);
		size_t hits = 0;
		for (long r = 0; r < repeat; r++)
			for (const std::string &q : queries) {
				auto t0 = std::chrono::steady_clock::now();
				hits += top10(qp, enq, q, ids);
				auto t1 = std::chrono::steady_clock::now();
				samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
			}

		std::sort(samples.begin(), samples.end());
		double sum = 0;
		for (double s : samples)
			sum += s;
		/*
		 * getrusage, as xapian_bench.py. Linux keeps the peak of the process that forked
		 * us across exec, so started from bench.py this reads at least bench.py's peak
		 * (xapian_bench.py's figure has the same floor); no report prints it.
		 */
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		std::printf("{\"queries\": %zu, \"samples\": %zu, \"p50_us\": %.3f, \"p95_us\": %.3f, "
			    "\"p99_us\": %.3f, \"mean_us\": %.3f, \"hits_per_query\": %.3f, \"maxrss_kb\": %ld}\n",
			    queries.size(), samples.size(), percentile(samples, 50), percentile(samples, 95),
			    percentile(samples, 99), sum / (double)samples.size(),
			    (double)hits / (double)samples.size(), ru.ru_maxrss);
	} catch (const Xapian::Error &e) {
		std::fprintf(stderr, "xapian_latency: %s\n", e.get_description().c_str());
		return 1;
	}
	return 0;
}
