;;; guixml --- companion channel for the guixml ML-weights audit
;;; Copyright © 2026 The guixml authors
;;;
;;; This file is free software; you can redistribute it and/or modify it
;;; under the terms of the GNU General Public License as published by the
;;; Free Software Foundation; either version 3 of the License, or (at your
;;; option) any later version.

(define-module (guixml ml)
  #:use-module (guixml spdx-data)
  #:use-module (ice-9 match)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-9)
  #:use-module (srfi srfi-26)
  #:export (%ml-vocabulary
            %ml-policies
            ml-annotated?

            ml-problem?
            ml-problem-code
            ml-problem-key
            ml-problem-message
            ml-properties-problems

            ml-weights
            ml-weight-inputs
            ml-weights-license
            ml-training-software
            ml-training-software-package
            ml-training-software-url
            ml-training-data
            ml-training-data-url
            ml-reproducibility
            ml-provenance

            parse-license-expression
            license-expression-well-formed?
            license-judgement

            ml-verdict?
            ml-verdict-policy
            ml-verdict-verdict
            ml-verdict-reasons
            ml-verdict-class
            guix-2023-verdict
            debian-verdict
            osaid-verdict
            gcd-008-verdict
            ml-policy-verdict
            ml-policy-verdicts))

;;; Commentary:
;;;
;;; The ML annotation vocabulary of guixml (docs/annotations.md in the guixml
;;; repository): validation of the 'ml-' entries of a package's 'properties',
;;; accessors for each key, and the verdict of each policy on pre-trained
;;; weights.  Verdicts are computed from the annotated facts, never stored.
;;;
;;; This module needs nothing but Guile 3.0.  Procedures taking "an
;;; annotation" accept a properties alist or, when Guix's (guix packages) is
;;; loaded, a package record.
;;;
;;; Code:


;;;
;;; The vocabulary.
;;;

;; Each entry: (KEY TYPE ALLOWED-VALUES DEFAULT).  TYPE is one of 'symbol,
;; 'string, 'string-list, 'license.  Mirrors guixml/data/vocabulary.toml.
(define %ml-vocabulary
  '((ml-weights symbol (model separate tangled external) #f)
    (ml-weight-inputs string-list () ())
    (ml-weights-license license () #f)
    (ml-training-software symbol
                          (packaged available partial unavailable unknown)
                          unknown)
    (ml-training-software-package string () #f)
    (ml-training-software-url string () #f)
    (ml-training-data symbol
                      (free public obtainable unshareable unavailable unknown)
                      unknown)
    (ml-training-data-url string () #f)
    (ml-reproducibility symbol (rebuilt feasible infeasible unknown) unknown)
    (ml-provenance symbol (original fine-tuned distilled converted unknown)
                   #f)))

(define (key-spec key)
  (assq key %ml-vocabulary))

(define (ml-key? key)
  (and (symbol? key)
       (string-prefix? "ml-" (symbol->string key))))


;;;
;;; Annotations: alists or package records.
;;;

;; (guix packages) defines its record predicates and accessors with
;; 'define-inlinable', so 'module-ref' would return a macro: 'eval' of the
;; name in that module yields the procedure.
(define (guix-packages-ref name)
  "Return the procedure NAME of (guix packages), or #f when that module is
not loaded and cannot be loaded: this module must work without Guix."
  (let ((module (false-if-exception
                 (resolve-module '(guix packages) #:ensure #f))))
    (and module
         (module-variable module name)
         (eval name module))))

(define (package-record? object)
  (let ((package? (guix-packages-ref 'package?)))
    (and package? (package? object))))

(define (annotation->alist annotation)
  "Return the properties alist of ANNOTATION, an alist or a package record."
  (cond ((or (pair? annotation) (null? annotation)) annotation)
        ((package-record? annotation)
         ((guix-packages-ref 'package-properties) annotation))
        (else
         (error "not a properties alist or a package:" annotation))))


;;;
;;; SPDX licence expressions.
;;;

(define (license-char? char)
  (or (char-alphabetic? char) (char-numeric? char)
      (memv char '(#\. #\: #\-))))

(define (ascii-license-char? char)
  (and (char<? char #\x80) (license-char? char)))

(define (tokenize-license-expression text)
  "Return the tokens of TEXT as a list of strings, or #f if TEXT has a
character that cannot occur in an SPDX expression."
  (let loop ((chars (string->list text)) (tokens '()))
    (match chars
      (() (reverse tokens))
      (((? char-whitespace?) rest ...)
       (loop rest tokens))
      (((and paren (or #\( #\))) rest ...)
       (loop rest (cons (string paren) tokens)))
      (((? ascii-license-char?) _ ...)
       (let* ((word (take-while ascii-license-char? chars))
              (rest (drop chars (length word))))
         (match rest
           ((#\+ rest ...)
            (loop rest (cons (string-append (list->string word) "+") tokens)))
           (_
            (loop rest (cons (list->string word) tokens))))))
      (_ #f))))

(define (operator? token)
  (member token '("AND" "OR" "WITH")))

(define (parse-license-expression text)
  "Parse TEXT, an SPDX licence expression, and return its tree, or #f when it
is not well-formed.  The tree is made of (license ID OR-LATER?), (with LICENSE
EXCEPTION), (and LEFT RIGHT) and (or LEFT RIGHT); WITH binds tighter than AND,
which binds tighter than OR."
  (define tokens (tokenize-license-expression text))

  ;; Each parser takes the remaining tokens and returns two values: the tree
  ;; and the tokens left; it escapes with #f on a syntax error.
  (define (parse fail)
    (define (primary tokens)
      (match tokens
        (("(" rest ...)
         (call-with-values (lambda () (disjunction rest))
           (lambda (tree rest)
             (match rest
               ((")" rest ...) (values tree rest))
               (_ (fail))))))
        (((? string? token) rest ...)
         (when (or (string=? token ")") (operator? token))
           (fail))
         (let* ((plus? (string-suffix? "+" token))
                (name (if plus? (string-drop-right token 1) token))
                (license `(license ,name ,plus?)))
           (when (string-null? name)
             (fail))
           (match rest
             (("WITH" exception rest ...)
              (when (or (member exception '("(" ")"))
                        (operator? exception)
                        (string-suffix? "+" exception))
                (fail))
              (values `(with ,license ,exception) rest))
             (("WITH") (fail))
             (_ (values license rest)))))
        (() (fail))))

    (define (binary operator symbol next)
      (lambda (tokens)
        (call-with-values (lambda () (next tokens))
          (lambda (tree rest)
            (let loop ((tree tree) (rest rest))
              (match rest
                (((? (cut string=? operator <>)) rest ...)
                 (call-with-values (lambda () (next rest))
                   (lambda (right rest)
                     (loop (list symbol tree right) rest))))
                (_ (values tree rest))))))))

    (define conjunction (binary "AND" 'and primary))
    (define disjunction (binary "OR" 'or conjunction))

    (call-with-values (lambda () (disjunction tokens))
      (lambda (tree rest)
        (if (null? rest) tree (fail)))))

  (and tokens
       (pair? tokens)
       (call-with-current-continuation
        (lambda (return)
          (parse (lambda () (return #f)))))))

(define (license-expression-well-formed? text)
  (and (parse-license-expression text) #t))

(define (license-id-judgement name regime)
  (let ((row (hash-ref %spdx-judgements (string-downcase name))))
    (if row
        (match regime
          ('fsdg (first row))
          ('dfsg (second row))
          ('osi (third row)))
        'unknown)))

(define (license-judgement text regime)
  "Return 'free, 'non-free or 'unknown: the judgement of TEXT, an SPDX
expression string or #f, under REGIME, one of 'fsdg, 'dfsg or 'osi."
  (define (judge tree)
    (match tree
      (('license name _) (license-id-judgement name regime))
      (('with ('license name _) _) (license-id-judgement name regime))
      (('and left right)
       (let ((left (judge left)) (right (judge right)))
         (cond ((memq 'non-free (list left right)) 'non-free)
               ((and (eq? left 'free) (eq? right 'free)) 'free)
               (else 'unknown))))
      (('or left right)
       (let ((left (judge left)) (right (judge right)))
         (cond ((memq 'free (list left right)) 'free)
               ((and (eq? left 'non-free) (eq? right 'non-free)) 'non-free)
               (else 'unknown))))))

  (let ((tree (and (string? text) (parse-license-expression text))))
    (if tree (judge tree) 'unknown)))


;;;
;;; Validation.
;;;

(define-record-type <ml-problem>
  (make-ml-problem code key message)
  ml-problem?
  (code ml-problem-code)                          ;symbol
  (key ml-problem-key)                            ;symbol or #f
  (message ml-problem-message))                   ;string

(define (string-list? value)
  (and (list? value) (every string? value)))

(define (value-problem key value)
  "Return the problem of VALUE as the value of KEY, a key of the vocabulary,
or #f."
  (match (key-spec key)
    ((_ type allowed _)
     (define (wrong-type what)
       (make-ml-problem 'wrong-type key
                        (string-append "value must be " what)))
     (match type
       ('symbol
        (cond ((not (symbol? value)) (wrong-type "a symbol"))
              ((not (memq value allowed))
               (make-ml-problem 'unknown-value key
                                (string-append
                                 "'" (symbol->string value) "' is not one of: "
                                 (string-join (map symbol->string allowed)
                                              ", "))))
              (else #f)))
       ('string
        (and (not (string? value)) (wrong-type "a string")))
       ('string-list
        (and (not (string-list? value)) (wrong-type "a list of strings")))
       ('license
        ;; 'unknown is "not established", as for every key; #f, the older
        ;; spelling of it for the licence, is still read.
        (cond ((memq value '(unknown #f)) #f)
              ((not (string? value))
               (wrong-type "an SPDX expression string or unknown"))
              ((not (license-expression-well-formed? value))
               (make-ml-problem 'bad-license-expression key
                                (format #f "~s is not an SPDX licence \
expression" value)))
              (else #f)))))))

(define (alist-entries alist)
  "Return the elements of ALIST, a possibly improper list; an improper tail
is returned as one more (malformed) element."
  (let loop ((rest alist) (result '()))
    (cond ((null? rest) (reverse result))
          ((pair? rest) (loop (cdr rest) (cons (car rest) result)))
          (else (reverse (cons rest result))))))

(define (ml-properties-problems annotation)
  "Return the list of problems of the 'ml-' entries of ANNOTATION (a
properties alist or a package), each an <ml-problem>; return the empty list
when the annotation is valid.  Keys not starting with 'ml-' are ignored."
  (define (problem code key message)
    (make-ml-problem code key message))

  (let loop ((entries (alist-entries (annotation->alist annotation)))
             (seen '())                           ;alist, reversed
             (problems '()))                      ;reversed
    (match entries
      (()
       (append (reverse problems) (global-problems (reverse seen))))
      (((? pair? (key . value)) rest ...)
       (cond ((not (symbol? key))
              (loop rest seen
                    (cons (problem 'malformed-entry #f
                                   "entry is not a (symbol . value) pair")
                          problems)))
             ((not (ml-key? key))
              (loop rest seen problems))
             ((assq key seen)
              (loop rest seen
                    (cons (problem 'duplicate-key key
                                   "key given more than once")
                          problems)))
             ((not (key-spec key))
              (loop rest (alist-cons key value seen)
                    (cons (problem 'unknown-key key
                                   "not a key of the guixml ML vocabulary")
                          problems)))
             ((value-problem key value)
              => (lambda (found)
                   (loop rest (alist-cons key value seen)
                         (cons found problems))))
             (else
              (loop rest (alist-cons key value seen) problems))))
      ((_ rest ...)
       (loop rest seen
             (cons (problem 'malformed-entry #f
                            "entry is not a (symbol . value) pair")
                   problems))))))

(define (global-problems seen)
  "Return the problems of the 'ml-' entries SEEN taken together."
  (let* ((weights (assq 'ml-weights seen))
         (inputs (assq 'ml-weight-inputs seen))
         (valid-weights (and weights
                             (memq (cdr weights)
                                   '(model separate tangled external))
                             (cdr weights))))
    (cond ((not weights)
           (if (null? seen)
               '()
               (list (make-ml-problem 'facts-without-ml-weights 'ml-weights
                                      "ML facts given without ml-weights"))))
          ((eq? valid-weights 'separate)
           (if (or (not inputs) (null? (cdr inputs)))
               (list (make-ml-problem
                      'missing-weight-inputs 'ml-weight-inputs
                      "'separate' weights need the list of weight inputs"))
               '()))
          ((and valid-weights inputs)
           (list (make-ml-problem
                  'weight-inputs-not-separate 'ml-weight-inputs
                  (format #f "weight inputs given but ml-weights is '~a', \
not 'separate'" valid-weights))))
          (else '()))))


;;;
;;; Accessors.
;;;

(define (ml-fact annotation key)
  "Return the value of KEY in ANNOTATION: the first entry for KEY when it is
well-typed, else the key's default ('unknown' for most enumerations)."
  (let ((entry (find (lambda (entry)
                       (and (pair? entry) (eq? (car entry) key)))
                     (alist-entries (annotation->alist annotation)))))
    (match (key-spec key)
      ((_ _ _ default)
       (if (and entry (not (value-problem key (cdr entry))))
           (cdr entry)
           default)))))

(define-syntax-rule (define-accessors (name key) ...)
  (begin
    (define (name annotation)
      (ml-fact annotation 'key))
    ...))

(define-accessors
  (ml-weights ml-weights)
  (ml-weight-inputs ml-weight-inputs)
  (ml-weights-license ml-weights-license)
  (ml-training-software ml-training-software)
  (ml-training-software-package ml-training-software-package)
  (ml-training-software-url ml-training-software-url)
  (ml-training-data ml-training-data)
  (ml-training-data-url ml-training-data-url)
  (ml-reproducibility ml-reproducibility)
  (ml-provenance ml-provenance))

(define (ml-annotated? annotation)
  "Return true if ANNOTATION says the package involves weights."
  (and (ml-weights annotation) #t))


;;;
;;; Policies.
;;;

(define-record-type <ml-verdict>
  (make-ml-verdict policy verdict reasons class)
  ml-verdict?
  (policy ml-verdict-policy)                      ;symbol
  (verdict ml-verdict-verdict)                    ;'accept | 'reject | 'review
  (reasons ml-verdict-reasons)                    ;list of symbols
  (class ml-verdict-class))                       ;symbol

(define (combine . verdicts)
  (cond ((memq 'reject verdicts) 'reject)
        ((memq 'review verdicts) 'review)
        (else 'accept)))

(define* (without-weights policy annotation #:optional class)
  "Return the verdict of POLICY on ANNOTATION when it ships no weights, else #f."
  (match (ml-weights annotation)
    (#f (make-ml-verdict policy 'accept '(no-weights) (or class 'accept)))
    ('external (make-ml-verdict policy 'accept '(weights-not-shipped)
                                (or class 'accept)))
    (_ #f)))

(define (license-criterion annotation regime)
  "Return the verdict and reason of the weights' licence under REGIME."
  (match (license-judgement (ml-weights-license annotation) regime)
    ('free (values 'accept 'weights-license-free))
    ('non-free (values 'reject 'weights-license-non-free))
    ('unknown (values 'review 'weights-license-unknown))))

(define (guix-2023-verdict annotation)
  "Return the verdict of the 2023 guix-devel thread on ANNOTATION: weights
are judged on their licence (FSDG); training software and recomputability are
recommendations, reported as reasons only."
  (or (without-weights 'guix-2023 annotation)
      (call-with-values (lambda () (license-criterion annotation 'fsdg))
        (lambda (verdict reason)
          (make-ml-verdict
           'guix-2023 verdict
           (append (list reason)
                   (match (ml-training-software annotation)
                     ((or 'partial 'unavailable) '(training-software-missing))
                     ('unknown '(training-software-unknown))
                     (_ '()))
                   (match (ml-reproducibility annotation)
                     ('infeasible '(not-recomputable))
                     ('unknown '(reproducibility-unknown))
                     (_ '())))
           verdict)))))

(define (debian-verdict annotation)
  "Return the verdict of Debian's ML policy on ANNOTATION; its class is one of
'free (Free Model), 'toxic-candy, 'non-free, 'unknown or 'none (no weights)."
  (or (without-weights 'debian annotation 'none)
      (let* ((license (license-judgement (ml-weights-license annotation) 'dfsg))
             (data (match (ml-training-data annotation)
                     ('free 'ok)
                     ('unknown 'unknown)
                     (_ 'missing)))
             (software (match (ml-training-software annotation)
                         ((or 'packaged 'available) 'ok)
                         ('unknown 'unknown)
                         (_ 'missing)))
             (reasons
              (list (symbol-append 'weights-license- license)
                    (match data
                      ('ok 'training-data-free)
                      ('unknown 'training-data-unknown)
                      ('missing 'training-data-not-free))
                    (match software
                      ('ok 'training-software-present)
                      ('unknown 'training-software-unknown)
                      ('missing 'training-software-missing)))))
        (call-with-values
            (lambda ()
              (cond ((eq? license 'non-free) (values 'non-free 'reject))
                    ((eq? license 'unknown) (values 'unknown 'review))
                    ((memq 'missing (list data software))
                     (values 'toxic-candy 'reject))
                    ((memq 'unknown (list data software))
                     (values 'unknown 'review))
                    (else (values 'free 'accept))))
          (lambda (class verdict)
            (make-ml-verdict 'debian verdict reasons class))))))

(define (osaid-verdict annotation)
  "Return the verdict of OSI's Open Source AI Definition 1.0 on ANNOTATION:
parameters under OSI-approved terms, complete training code, data
information."
  (or (without-weights 'osaid annotation)
      (call-with-values (lambda () (license-criterion annotation 'osi))
        (lambda (license-verdict license-reason)
          (match-let (((code-verdict code-reason)
                       (match (ml-training-software annotation)
                         ((or 'packaged 'available)
                          '(accept training-software-present))
                         ('unknown '(review training-software-unknown))
                         (_ '(reject training-software-missing))))
                      ((data-verdict data-reason)
                       (match (ml-training-data annotation)
                         ((or 'free 'public 'obtainable 'unshareable)
                          '(accept training-data-described))
                         ('unavailable '(review training-data-unavailable))
                         (_ '(review training-data-unknown)))))
            (let ((verdict (combine license-verdict code-verdict
                                    data-verdict)))
              (make-ml-verdict 'osaid verdict
                               (list license-reason code-reason data-reason)
                               verdict)))))))

(define (gcd-008-verdict annotation)
  "Return the verdict of the GCD 008 draft \"Standing up for human crafting\"
on ANNOTATION: free licence, training data available, weights feasibly
recomputable, training software present."
  (or (without-weights 'gcd-008 annotation)
      (call-with-values (lambda () (license-criterion annotation 'fsdg))
        (lambda (license-verdict license-reason)
          (let ((criteria
                 (list (list license-verdict license-reason)
                       (match (ml-training-data annotation)
                         ('free '(accept training-data-free))
                         ('public '(review training-data-not-free))
                         ('obtainable '(review training-data-restricted))
                         ((or 'unshareable 'unavailable)
                          '(reject training-data-unavailable))
                         ('unknown '(review training-data-unknown)))
                       (match (ml-reproducibility annotation)
                         ((or 'rebuilt 'feasible) '(accept recomputable))
                         ('infeasible '(reject not-recomputable))
                         ('unknown '(review reproducibility-unknown)))
                       (match (ml-training-software annotation)
                         ((or 'packaged 'available)
                          '(accept training-software-present))
                         ('unavailable '(reject training-software-missing))
                         (_ '(review training-software-unknown))))))
            (let ((verdict (apply combine (map first criteria))))
              (make-ml-verdict 'gcd-008 verdict (map second criteria)
                               verdict)))))))

(define %ml-policies
  ;; Policy names (as in 'guix ml-audit --policy=NAME') and their procedures.
  `((guix-2023 . ,guix-2023-verdict)
    (debian . ,debian-verdict)
    (osaid . ,osaid-verdict)
    (gcd-008 . ,gcd-008-verdict)))

(define (fail-closed verdict annotation)
  "Return VERDICT, or when ANNOTATION has problems (an ill-typed value such as
(ml-weights . \"tangled\"), an unknown key…) VERDICT made 'review' at least,
with the reason 'invalid-annotation': an annotation that cannot be read must
not pass as one that says nothing."
  (if (null? (ml-properties-problems annotation))
      verdict
      (make-ml-verdict (ml-verdict-policy verdict)
                       (combine (ml-verdict-verdict verdict) 'review)
                       (append (ml-verdict-reasons verdict)
                               '(invalid-annotation))
                       (ml-verdict-class verdict))))

(define (ml-policy-verdict policy annotation)
  "Return the verdict of POLICY, a symbol among the keys of %ml-policies, on
ANNOTATION; an invalid annotation gets 'review' at least."
  (match (assq policy %ml-policies)
    ((_ . verdict) (fail-closed (verdict annotation) annotation))
    (#f (error "unknown ML policy:" policy))))

(define (ml-policy-verdicts annotation)
  "Return the list of the verdicts of every policy on ANNOTATION."
  (map (match-lambda ((_ . verdict) (fail-closed (verdict annotation) annotation)))
       %ml-policies))

;;; ml.scm ends here
