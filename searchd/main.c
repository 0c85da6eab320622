#include <stdio.h>

/* Placeholder until this program's issue lands. */
int main(void)
{
	fputs("not built yet\n", stderr);
	return 1;
}
